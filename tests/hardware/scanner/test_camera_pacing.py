"""The camera's decode policy and frame hand-over, on real frames with an explicit clock."""

from __future__ import annotations

import threading
from pathlib import Path

import cv2
import numpy as np
import pytest

from hardware.scanner.decode_pacer import DecodePacer
from hardware.scanner.decoder import (
    QrDecoder,
    ReaderResult,
    only_when_likely,
    read_with_zbar,
    read_with_zxing,
)
from hardware.scanner.finder_patterns import count_finder_candidates
from hardware.scanner.frame_region import check_roi, gray_region
from hardware.scanner.latest_frame import LatestFrame
from tests.hardware.scanner.helpers import pickup_code
from tests.rigs.frames import blank_frame, phone_frame, render_qr

CORPUS = Path(__file__).resolve().parents[2] / "data" / "qr-corpus"


def gray(frame: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)


def noisy_copy(frame: np.ndarray, seed: int, sigma: float = 4.0) -> np.ndarray:
    noise = np.random.default_rng(seed).normal(0, sigma, frame.shape)
    return np.clip(frame.astype(np.float32) + noise, 0, 255).astype(np.uint8)


def test_unchanged_frames_are_skipped_but_redecoded_every_second():
    scene = gray(blank_frame(seed=1))
    pacer = DecodePacer(fps_cap=10, redecode_seconds=1.0)
    assert pacer.should_decode(scene, now=0.0)  # the first frame is always decoded
    decided = [
        pacer.should_decode(gray(noisy_copy(blank_frame(seed=1), s)), now=0.1 * s) for s in range(1, 25)
    ]
    # Sensor noise alone is not a change: decoded only at 1.0 s, 2.0 s (+- one 0.1 s step).
    assert 2 <= sum(decided) <= 3
    assert pacer.last_difference is not None and pacer.last_difference < pacer.change_threshold


def test_motion_is_decoded_at_once_and_leaves_idle():
    pacer = DecodePacer(fps_cap=10, idle_fps=2, idle_after=10)
    empty = gray(blank_frame(seed=2))
    assert pacer.should_decode(empty, now=0.0)
    assert pacer.is_idle(now=10.5) and pacer.interval(now=10.5) == pytest.approx(0.5)
    assert pacer.should_decode(empty, now=10.5)  # the once-a-second look, even when idle
    assert pacer.is_idle(now=10.6)  # ... which is no reason to wake up
    assert not pacer.should_decode(empty, now=11.0)
    with_phone = gray(phone_frame(pickup_code(1), seed=2))  # same scene, a phone held up
    assert pacer.should_decode(with_phone, now=10.7)
    assert not pacer.is_idle(now=10.8) and pacer.interval(now=10.8) == pytest.approx(0.1)


def test_a_read_code_keeps_the_pacer_awake():
    pacer = DecodePacer(fps_cap=10, idle_after=2)
    assert pacer.is_idle(now=2.0)
    pacer.wake(now=2.0)
    assert not pacer.is_idle(now=3.9) and pacer.is_idle(now=4.0)
    with pytest.raises(ValueError):
        DecodePacer(fps_cap=0)


def test_latest_frame_hands_over_only_frames_retrieved_after_the_request():
    slot = LatestFrame()
    stale = np.zeros((2, 2), np.uint8)
    slot.put(stale)  # grabbed before anyone asked: must not be handed over
    assert not slot.wanted
    assert slot.take_fresh(timeout=0.05) is None

    fresh = np.ones((2, 2), np.uint8)

    def capture_thread():
        while not slot.wanted:
            pass
        slot.put(fresh)

    thread = threading.Thread(target=capture_thread)
    thread.start()
    assert slot.take_fresh(timeout=5) is fresh
    thread.join()
    slot.fail()
    assert slot.take_fresh(timeout=5) is None


def test_roi_crops_and_validates():
    frame = np.zeros((100, 200, 3), np.uint8)
    frame[:, 100:] = 255
    right = gray_region(frame, check_roi((0.5, 0.0, 0.5, 1.0)))
    assert right.shape == (100, 100) and right.min() == 255
    assert gray_region(frame, None).shape == (100, 200)
    for bad in [(0.5, 0, 0.6, 1), (-0.1, 0, 0.5, 0.5), (0, 0, 0, 1), (0, 0, 1)]:
        with pytest.raises(ValueError):
            check_roi(bad)


def test_light_on_dark_phone_code_reads_and_needs_the_inverted_pass():
    code = pickup_code(7)
    dark_mode = phone_frame(255 - render_qr(code), seed=5)
    assert QrDecoder().decode(dark_mode) == [code]
    assert QrDecoder(try_inverted=False).decode(dark_mode) == []


def test_zbar_runs_only_when_the_frame_likely_holds_a_code():
    calls = []

    def counting_zbar(frame):
        calls.append(frame.shape)
        return read_with_zbar(frame)

    decoder = QrDecoder([read_with_zxing, only_when_likely(counting_zbar)])
    for seed in range(5):
        assert decoder.decode(blank_frame(seed=seed)) == []
    assert calls == []  # empty lane frames never reach ZBar

    # A corpus photo zxing-cpp cannot read but ZBar can: the finder check lets ZBar run.
    photo = cv2.imread(str(CORPUS / "qrcode-2" / "28.webp"))
    assert read_with_zxing(photo) == []
    assert count_finder_candidates(gray(photo)) >= 1
    expected = (CORPUS / "qrcode-2" / "28.txt").read_text(encoding="utf-8")
    assert decoder.decode(photo) == [expected] and len(calls) == 1


def test_undecodable_symbol_reported_by_zxing_lets_zbar_run():
    seen = []

    def reports_a_symbol(frame):
        return ReaderResult([], undecoded=1)

    decoder = QrDecoder([reports_a_symbol, only_when_likely(lambda f: seen.append(1) or ["X"])])
    assert decoder.decode(np.full((50, 50), 255, np.uint8)) == ["X"] and seen == [1]
    plain = QrDecoder([lambda f: [], only_when_likely(lambda f: seen.append(2) or ["Y"])])
    assert plain.decode(np.full((50, 50), 255, np.uint8)) == [] and seen == [1]
