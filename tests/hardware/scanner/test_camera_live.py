"""CameraScanner on a live MJPEG stream: freshest frame, idle policy, wake input, ROI, dark mode."""

from __future__ import annotations

import logging
import threading
import time

import cv2
import numpy as np
import pytest

from hardware.scanner.camera import CameraScanner
from hardware.scanner.decoder import QrDecoder
from hardware.status import DeviceState
from tests.hardware.scanner.helpers import pickup_code
from tests.rigs.frames import blank_frame, phone_frame, render_qr, write_video
from tests.rigs.mjpeg_server import MjpegServer, _encode_jpeg
from tests.rigs.unavailable import rig_unavailable
from tests.rigs.wait import wait_for

CODE = pickup_code(11)


class Reads:
    def __init__(self):
        self.texts: list[str] = []
        self.lock = threading.Lock()

    def __call__(self, text: str) -> None:
        with self.lock:
            self.texts.append(text)


@pytest.fixture
def scanners():
    made: list[CameraScanner] = []

    def make(source, **options) -> CameraScanner:
        scanner = CameraScanner(source, **options)
        made.append(scanner)
        return scanner

    yield make
    for scanner in made:
        scanner.stop()


def serve(frames, fps: float) -> MjpegServer:
    server = MjpegServer(frames, fps=fps).start()
    probe = cv2.VideoCapture(server.url, cv2.CAP_FFMPEG)
    readable = probe.isOpened() and probe.read()[0]
    probe.release()
    if not readable:
        server.stop()
        rig_unavailable("this OpenCV build cannot read an HTTP MJPEG stream (no FFmpeg backend?)")
    return server


def show(server: MjpegServer, frame: np.ndarray) -> None:
    """Change what the stream camera sees (every frame from now on)."""
    server.jpegs[:] = [_encode_jpeg(frame, 90)]


def steady(read, span: float) -> None:
    """Wait until ``read()`` has kept one value for ``span`` seconds (fails if it never settles)."""
    seen = {"value": read(), "since": time.monotonic()}

    def held() -> bool:
        value = read()
        if value != seen["value"]:
            seen["value"], seen["since"] = value, time.monotonic()
        return time.monotonic() - seen["since"] >= span

    wait_for(held, what=lambda: f"a value that holds for {span:g} s (last {seen['value']!r})")


def numbered_frame(number: int) -> np.ndarray:
    canvas = np.full((240, 320, 3), 255, np.uint8)
    qr = render_qr(f"FRAME-{number:03d}", scale=5)
    canvas[20 : 20 + qr.shape[0], 60 : 60 + qr.shape[1]] = qr
    return canvas


class SlowDecoder(QrDecoder):
    """A decoder that takes 0.3 s a frame and notes what the camera was sending meanwhile."""

    def __init__(self, server: MjpegServer):
        super().__init__()
        self.server = server
        self.lags: list[int] = []

    def decode(self, frame):
        sent_before = self.server.frames_sent
        texts = super().decode(frame)
        if texts:
            shown = int(texts[0].split("-")[1])
            self.lags.append((sent_before - 1 - shown) % len(self.server.jpegs))
        time.sleep(0.3)  # the slow decode this decoder stands for, not a wait
        return texts


def test_slow_decoding_always_gets_the_freshest_frame(scanners):
    server = serve([numbered_frame(n) for n in range(90)], fps=30)
    try:
        decoder = SlowDecoder(server)
        scanner = scanners(server.url, fps_cap=30, decoder=decoder)
        scanner.start(Reads())
        wait_for(lambda: len(decoder.lags) >= 6)
        # Each decode takes 9 frame times; a queue of old frames would lag 9, 18, 27 ... behind
        # (45 by the sixth decode). The freshest frame lags only what capture itself delays, a few
        # frames, more on a busy machine: under one decode's worth (9), and never growing.
        assert max(decoder.lags) < 9, decoder.lags
        info = scanner.status().info
        assert info["frames"] > 5 * info["scanned"]
    finally:
        server.stop()


def test_idle_lane_decodes_little_and_motion_wakes_it(scanners):
    server = serve([blank_frame(seed=4)], fps=20)
    try:
        reads = Reads()
        scanner = scanners(server.url, fps_cap=10, idle_after=0.8, idle_fps=2, redecode_seconds=1.0)
        scanner.start(reads)
        wait_for(lambda: scanner.status().info["idle"])
        before = scanner.status().info
        time.sleep(2.0)  # a window to count in: the rates over it are what this test is about
        after = scanner.status().info
        looked = (after["scanned"] + after["skipped"]) - (before["scanned"] + before["skipped"])
        assert 2 <= looked <= 6  # idle_fps 2 over 2 s (10 fps would be 20)
        assert 1 <= after["scanned"] - before["scanned"] <= 3  # unchanged: decoded about once a second
        assert after["frames"] - before["frames"] >= 30  # still grabbing every frame

        show(server, phone_frame(CODE, seed=3))  # a car pulls up, the driver holds up the phone
        wait_for(lambda: CODE in reads.texts)
        assert not scanner.status().info["idle"]
    finally:
        server.stop()


def test_asleep_decodes_nothing_and_waking_reads_again(scanners):
    server = serve([phone_frame(CODE, seed=6), blank_frame(seed=6)], fps=20)
    try:
        reads = Reads()
        scanner = scanners(server.url, fps_cap=10)
        scanner.start(reads)
        wait_for(lambda: CODE in reads.texts)
        scanner.set_awake(False)
        # A look already under way when the lane fell asleep may still finish: wait until the
        # count of looks holds for five look intervals (fps_cap 10), then watch a whole second.
        steady(lambda: (scanner.status().info["scanned"], scanner.status().info["skipped"]), 0.5)
        before = scanner.status().info
        time.sleep(1.0)  # nothing may be looked at in this window; a busy machine only shortens it
        after = scanner.status().info
        assert after["scanned"] == before["scanned"] and after["skipped"] == before["skipped"]
        assert after["frames"] > before["frames"]  # the buffer stays fresh
        assert scanner.status().state == DeviceState.OK and not after["awake"]
        count = len(reads.texts)
        scanner.set_awake(True)
        wait_for(lambda: len(reads.texts) > count)
    finally:
        server.stop()


def test_release_when_asleep_closes_the_camera_and_reopens_it(scanners):
    server = serve([phone_frame(CODE, seed=8), blank_frame(seed=8)], fps=20)
    try:
        reads = Reads()
        scanner = scanners(server.url, fps_cap=10, release_when_asleep=True)
        scanner.start(reads)
        wait_for(lambda: CODE in reads.texts)
        scanner.set_awake(False)
        wait_for(lambda: scanner.status().reasons == [] and "asleep" in scanner.status().detail)
        frames = scanner.status().info["frames"]
        # "asleep" is set after the capture thread was joined and the camera released, so no
        # frame can come in this window (a busy machine only makes it shorter in effect)
        time.sleep(0.5)
        assert scanner.status().info["frames"] == frames  # released: nothing grabbed
        assert scanner.status().state == DeviceState.OK
        count = len(reads.texts)
        scanner.set_awake(True)
        wait_for(lambda: len(reads.texts) > count)
    finally:
        server.stop()


def test_roi_decodes_only_its_region(scanners, tmp_path):
    frame = blank_frame(seed=9, size=(640, 360))
    qr = render_qr(CODE, scale=4)
    frame[20 : 20 + qr.shape[0], 20 : 20 + qr.shape[1]] = qr  # top left corner
    path = write_video([frame] * 3, tmp_path / "roi.avi")
    outside, inside = Reads(), Reads()
    right = scanners(str(path), fps_cap=100, roi=(0.5, 0.0, 0.5, 1.0))
    left = scanners(str(path), fps_cap=100, roi=(0.0, 0.0, 0.5, 1.0), name="left")
    right.start(outside)
    left.start(inside)
    wait_for(lambda: right.status().info["eof"] and left.status().info["eof"])
    assert outside.texts == [] and right.status().info["scanned"] == 3
    assert inside.texts == [CODE] * 3


def test_dark_mode_phone_reads_through_the_camera(scanners, tmp_path):
    path = write_video([phone_frame(255 - render_qr(CODE), seed=s) for s in range(3)], tmp_path / "dark.avi")
    reads, upright_only = Reads(), Reads()
    inverted = scanners(str(path), fps_cap=100)
    upright = scanners(str(path), fps_cap=100, try_inverted=False, name="upright")
    inverted.start(reads)
    upright.start(upright_only)
    # every frame of a file is decoded: at the end of both files, every read is in
    wait_for(lambda: inverted.status().info["eof"] and upright.status().info["eof"], what="both files played")
    assert len(reads.texts) >= 2 and set(reads.texts) == {CODE} and upright_only.texts == []


def test_exposure_settings_on_a_source_without_them_still_open(scanners, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="hardware.scanner.capture_source")
    path = write_video([phone_frame(CODE, seed=1)], tmp_path / "one.avi")
    reads = Reads()
    scanner = scanners(str(path), exposure=50, auto_exposure=False)
    scanner.start(reads)
    wait_for(lambda: scanner.status().info["eof"])
    assert reads.texts == [CODE]
    assert "not settable" in caplog.text
    with pytest.raises(ValueError):
        CameraScanner(str(path), roi=(0.5, 0.5, 0.6, 0.1))


def test_read_once_decodes_the_freshest_frame_without_passing_it_on(tmp_path):
    """The technician's frame self-test: decode now, report size and code count, never the text."""
    from hardware.scanner.camera import CameraScanner
    from tests.rigs.frames import phone_frame
    from tests.rigs.mjpeg_server import MjpegServer

    code = "AMB1" + "B" * 25 + "Q"
    with MjpegServer([phone_frame(code, seed=s) for s in range(3)], fps=10) as stream:
        reads = []
        scanner = CameraScanner(stream.url, fps_cap=5)
        assert scanner.read_once()["frame"] is False  # nothing received yet
        scanner.start(reads.append)
        try:
            wait_for(lambda: reads, what="a code read from the stream")
            result = scanner.read_once()
        finally:
            scanner.stop()
    assert result["frame"] is True and (result["width"], result["height"]) == (1280, 720)
    assert result["codes"] == 1 and "texts" not in result
