"""The hard lane-frame set of ``ambil bench reader --hard-frames``: fixed by its seed, all variants."""

from __future__ import annotations

import numpy as np
import pytest

from controller.config import ConfigError, parse_config
from controller.devices import is_pickup_code
from web.cli.bench.hard_frames import CODE_VARIANTS, EMPTY_VARIANTS, hard_frame, hard_frame_set
from web.cli.bench.raw_decoders import all_readers
from web.cli.bench.reader_bench import run_reader_bench


def test_frames_are_fixed_by_seed_and_index():
    a, b = hard_frame(4), hard_frame(4)
    assert a.expected == b.expected and np.array_equal(a.image, b.image)
    assert not np.array_equal(hard_frame(4, seed=12).image, a.image)


def test_the_set_cycles_through_every_variant_and_alternates_empty_frames():
    frames = list(hard_frame_set(len(CODE_VARIANTS)))
    assert [f.variant for f in frames[::2]] == list(CODE_VARIANTS)
    assert {f.variant for f in frames[1::2]} == set(EMPTY_VARIANTS)
    assert all(f.expected and is_pickup_code(f.expected) for f in frames[::2])
    assert all(f.expected is None for f in frames[1::2])
    assert all(f.image.shape == (720, 1280, 3) and f.image.dtype == np.uint8 for f in frames)


def test_the_bench_reports_the_hard_set_with_issue_14s_columns_and_targets():
    lines = []
    readers = {name: r for name, r in all_readers(slow=False).items()}
    assert set(readers) == {"ambil", "zxing-cpp", "wechat", "zxing+wechat"}
    result = run_reader_bench([], code_frames=0, hard_frames=10, readers=readers, out=lines.append)
    hard = result["hard_frames"]
    assert set(hard) == set(readers)
    assert hard["ambil"]["code"]["images"] == hard["ambil"]["empty"]["images"] == 10
    names = {t["name"] for t in result["targets"]}
    assert {
        "hard frames with a code read",
        "hard frames false reads",
        "hard frames p95 vs raw zxing-cpp",
    } <= names
    assert any(line.startswith("hard lane frames: ambil / zxing-cpp time per image") for line in lines)


@pytest.mark.parametrize(
    "key, value", [("decode_budget_ms", 0), ("idle_costly_every", -1), ("costly_readers", "maybe")]
)
def test_bad_reader_settings_name_their_key(key, value):
    scanner = {"type": "camera", key: value}
    with pytest.raises(ConfigError) as caught:
        parse_config({"role": "lane", "lane": {"scanner": scanner}})
    assert any(problem.startswith(f"lane.scanner.{key}:") for problem in caught.value.problems)
