"""``ambil bench reader`` in small: the figures' structure and the targets' verdicts."""

from __future__ import annotations

import math
from pathlib import Path

import zxingcpp

from web.cli.bench.figures import Target, percentile
from web.cli.bench.lane_frames import QR_WIDTH_PX, lane_frame
from web.cli.bench.raw_decoders import all_readers
from web.cli.bench.reader_bench import run_reader_bench

CORPUS = Path(__file__).resolve().parents[2] / "data" / "qr-corpus"


def test_reader_bench_prints_every_reader_side_by_side(tmp_path):
    lines = []
    readers = {name: r for name, r in all_readers().items() if name in ("ambil", "zxing-cpp")}
    result = run_reader_bench(
        [CORPUS / "qrcode-5", CORPUS / "qrcode-7"], code_frames=6, readers=readers, out=lines.append
    )
    corpus, lane = result["corpus"], result["lane_frames"]
    assert set(corpus) == set(lane) == {"ambil", "zxing-cpp"}
    assert set(corpus["ambil"]) == {"qrcode-5", "qrcode-7", "total"}
    assert corpus["ambil"]["qrcode-7"]["images"] == 4  # structured-append parts, by substring
    row = lane["ambil"]["total"]
    assert row["images"] == 12 and {"read", "wrong", "median_ms", "p95_ms"} <= set(row)
    assert lane["ambil"]["code"]["images"] == lane["ambil"]["empty"]["images"] == 6
    assert row["p95_ms"] >= row["median_ms"] > 0
    names = [t["name"] for t in result["targets"]]
    assert "corpus read overall" in names and "lane frames median vs raw zxing-cpp" in names
    assert any(line.startswith("targets:") for line in lines)


def test_percentile_and_target_verdicts():
    assert percentile([1, 2, 3, 4, 5], 0.5) == 3 and math.isnan(percentile([], 0.5))
    assert percentile([0, 10], 0.95) == 9.5
    assert Target("x", 10, 20, True, " ms").met
    missed = Target("y", 25, 20, True, " ms")
    assert not missed.met and "MISSED by 5 ms" in missed.line()
    assert not Target("z", 90, 95, False, "%").met


def test_lane_frames_show_the_symbol_as_wide_as_the_issue_says():
    # issue 7: a QR 100-250 px wide; the symbol's own width, quiet zone not included (a tilt
    # makes one side shorter and the other longer than that)
    widths = []
    for index in range(0, 24, 2):
        frame = lane_frame(index)
        found = [r for r in zxingcpp.read_barcodes(frame.image) if r.text == frame.expected]
        if found:
            pos = found[0].position
            sides = [(pos.top_left, pos.top_right), (pos.bottom_left, pos.bottom_right)]
            widths.append(sum(math.dist((a.x, a.y), (b.x, b.y)) for a, b in sides) / 2)
    assert len(widths) >= 10
    low, high = QR_WIDTH_PX
    assert low * 0.8 <= min(widths) and max(widths) <= high * 1.2
    assert sum(widths) / len(widths) > low * 1.2  # spread over the range, not all at its small end
