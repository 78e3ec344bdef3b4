"""CameraScanner against real OpenCV sources: video files, still images, a local MJPEG stream."""

from __future__ import annotations

import os
import socket
import threading

import cv2
import pytest

from hardware.scanner.camera import CameraScanner
from hardware.scanner.capture_source import CaptureSource
from hardware.status import DeviceState
from tests.hardware.scanner.helpers import pickup_code
from tests.rigs.frames import blank_frame, phone_frame, render_qr, write_video
from tests.rigs.mjpeg_server import MjpegServer
from tests.rigs.unavailable import rig_unavailable
from tests.rigs.wait import wait_for

CODE = pickup_code(42)


class Reads:
    """An on_read callback that records texts and the thread they arrived on."""

    def __init__(self):
        self.texts: list[str] = []
        self.threads: set[str] = set()

    def __call__(self, text: str) -> None:
        self.texts.append(text)
        self.threads.add(threading.current_thread().name)


@pytest.fixture
def scanners():
    """Build scanners through this so each one is stopped even when a test fails."""
    made: list[CameraScanner] = []

    def make(source, **options) -> CameraScanner:
        scanner = CameraScanner(source, **options)
        made.append(scanner)
        return scanner

    yield make
    for scanner in made:
        scanner.stop()


@pytest.fixture(scope="module")
def phone_video(tmp_path_factory):
    """A 10 s-at-10-fps style clip, shortened: blank lane, then the phone, then blank again."""
    frames = [blank_frame(seed=1)] * 2 + [phone_frame(CODE, seed=s) for s in range(4)] + [blank_frame(seed=2)]
    return write_video(frames, tmp_path_factory.mktemp("video") / "lane.avi"), len(frames)


@pytest.fixture
def mjpeg_camera():
    with MjpegServer([blank_frame(seed=3), phone_frame(CODE, seed=7)], fps=20) as server:
        probe = cv2.VideoCapture(server.url, cv2.CAP_FFMPEG)
        readable = probe.isOpened() and probe.read()[0]
        probe.release()
        if not readable:
            rig_unavailable("this OpenCV build cannot read an HTTP MJPEG stream (no FFmpeg backend?)")
        yield server


def test_video_file_emits_the_code_and_stops_at_eof(scanners, phone_video):
    path, frame_count = phone_video
    reads = Reads()
    scanner = scanners(str(path), fps_cap=100.0)
    scanner.start(reads)
    wait_for(lambda: scanner.status().info["eof"])
    status = scanner.status()
    assert status.state == DeviceState.OK
    assert status.info["frames"] == frame_count
    assert status.info["scanned"] == frame_count  # a file is paced, not skipped
    assert 3 <= reads.texts.count(CODE) <= 4 and set(reads.texts) == {CODE}
    assert status.info["decoded"] == len(reads.texts)
    assert status.info["last_read_at"] is not None
    assert reads.threads == {"scanner-camera"}  # delivered from the worker, as the interface says


def test_looping_file_rewinds(scanners, phone_video):
    path, frame_count = phone_video
    scanner = scanners(str(path), fps_cap=100.0, loop=True)
    reads = Reads()
    scanner.start(reads)
    wait_for(lambda: scanner.status().info["frames"] > 2 * frame_count)
    status = scanner.status()
    assert status.state == DeviceState.OK and not status.info["eof"]
    assert reads.texts.count(CODE) >= 6


def test_fps_cap_limits_decoding(scanners, phone_video):
    path, _ = phone_video
    scanner = scanners(str(path), fps_cap=5.0, loop=True)
    scanner.start(Reads())
    wait_for(lambda: scanner.status().info["scanned"] >= 6)
    assert 3.5 <= scanner.status().info["fps"] <= 6.0


def test_still_image_file_is_read_once(scanners, tmp_path):
    path = tmp_path / "slip.png"
    cv2.imwrite(str(path), render_qr(CODE, scale=5))
    reads = Reads()
    scanner = scanners(str(path))
    scanner.start(reads)
    wait_for(lambda: scanner.status().info["eof"])
    assert reads.texts == [CODE]


def test_mjpeg_stream_emits_the_code(scanners, mjpeg_camera):
    reads = Reads()
    scanner = scanners(mjpeg_camera.url, fps_cap=10.0)
    scanner.start(reads)
    wait_for(lambda: CODE in reads.texts)
    status = scanner.status()
    assert status.state == DeviceState.OK
    assert status.info["source_kind"] == "stream" and status.info["fps"] > 0
    # The stream runs at 20 fps and decoding is capped at 10: frames are grabbed, not all decoded.
    wait_for(lambda: scanner.status().info["frames"] >= 20)
    info = scanner.status().info
    assert info["scanned"] < info["frames"]


def test_stalled_stream_goes_offline_and_recovers(scanners, mjpeg_camera):
    scanner = scanners(mjpeg_camera.url, stall_seconds=0.6, reconnect_seconds=0.2)
    scanner.start(Reads())
    wait_for(lambda: scanner.status().state == DeviceState.OK)
    mjpeg_camera.pause()
    wait_for(lambda: scanner.status().state == DeviceState.OFFLINE)
    assert scanner.status().reasons == ["no-frames"]
    mjpeg_camera.resume()
    wait_for(lambda: scanner.status().state == DeviceState.OK)


def test_missing_file_is_offline_then_recovers_when_it_appears(scanners, tmp_path, phone_video):
    video, _ = phone_video
    target = tmp_path / "later.avi"
    reads = Reads()
    scanner = scanners(str(target), fps_cap=100.0, reconnect_seconds=0.1)
    scanner.start(reads)
    wait_for(lambda: scanner.status().reasons == ["cannot-open"])
    status = scanner.status()
    assert status.state == DeviceState.OFFLINE and str(target) in status.detail
    os.replace(_copy(video, tmp_path / "partial.avi"), target)  # appears atomically, as a camera plugged in
    wait_for(lambda: CODE in reads.texts)
    wait_for(lambda: scanner.status().info["eof"])


def test_unreachable_stream_is_offline(scanners):
    with socket.socket() as sock:  # a port that was free a moment ago: nobody listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    scanner = scanners(f"http://127.0.0.1:{port}/stream", reconnect_seconds=0.1, stall_seconds=1.0)
    scanner.start(Reads())
    wait_for(lambda: scanner.status().reasons == ["cannot-open"])
    assert scanner.status().state == DeviceState.OFFLINE


def test_failing_callback_does_not_stop_the_camera(scanners, phone_video):
    path, frame_count = phone_video
    calls = []

    def on_read(text):
        calls.append(text)
        raise RuntimeError("lane bug")

    scanner = scanners(str(path), fps_cap=100.0)
    scanner.start(on_read)
    wait_for(lambda: scanner.status().info["eof"])
    assert scanner.status().info["frames"] == frame_count and len(calls) >= 3


def test_status_before_start_and_after_stop(scanners, phone_video):
    path, _ = phone_video
    scanner = scanners(str(path), loop=True)
    assert scanner.status().state == DeviceState.OFFLINE and scanner.status().reasons == ["stopped"]
    scanner.start(Reads())
    wait_for(lambda: scanner.status().state == DeviceState.OK)
    scanner.stop()
    scanner.stop()  # twice is fine
    assert scanner.status().reasons == ["stopped"]


def test_source_parsing_and_credentials_never_shown():
    assert CaptureSource.parse(0) == CaptureSource(0, "device")
    assert CaptureSource.parse("1") == CaptureSource(1, "device")
    assert CaptureSource.parse("/dev/video2").kind == "device"
    assert CaptureSource.parse("clips/lane.avi").kind == "file"
    rtsp = CaptureSource.parse("rtsp://admin:secret@10.0.0.5:554/live")
    assert rtsp.kind == "stream"
    assert "secret" not in rtsp.describe() and "admin" not in rtsp.describe()
    assert rtsp.describe() == "rtsp://***@10.0.0.5:554/live"
    scanner = CameraScanner("rtsp://admin:secret@10.0.0.5:554/live")
    assert "secret" not in str(scanner.status().to_dict())
    with pytest.raises(ValueError):
        CaptureSource.parse("  ")
    with pytest.raises(ValueError):
        CameraScanner("0", fps_cap=0)


def _copy(source, destination):
    destination.write_bytes(source.read_bytes())
    return destination
