"""The frame rigs themselves: what the other scanner tests (and the end-to-end test) rely on."""

from __future__ import annotations

import urllib.request

import cv2
import numpy as np
import segno

from tests.hardware.scanner.helpers import pickup_code
from tests.rigs.frames import phone_frame, render_qr, write_video
from tests.rigs.mjpeg_server import BOUNDARY, MjpegServer


def test_pickup_code_renders_as_version_3_q():
    code = pickup_code(0)
    assert len(code) == 30
    assert segno.make(code, error="q", boost_error=False, micro=False).designator == "3-Q"
    image = render_qr(code, scale=3)
    assert image.shape == ((29 + 8) * 3, (29 + 8) * 3, 3) and image.dtype == np.uint8
    assert set(np.unique(image)) == {0, 255}


def test_phone_frame_is_deterministic_per_seed():
    code = pickup_code(1)
    first = phone_frame(code, seed=3)
    assert first.shape == (720, 1280, 3) and first.dtype == np.uint8
    assert np.array_equal(first, phone_frame(code, seed=3))
    assert not np.array_equal(first, phone_frame(code, seed=4))
    assert phone_frame(code, seed=3, size=(640, 480), qr_px=(100, 120)).shape == (480, 640, 3)


def test_write_video_reads_back(tmp_path):
    frames = [phone_frame(pickup_code(2), seed=s, size=(320, 240), qr_px=(60, 80)) for s in range(5)]
    path = write_video(frames, tmp_path / "clip.avi", fps=10)
    capture = cv2.VideoCapture(str(path))
    read = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        read.append(frame)
    capture.release()
    assert len(read) == 5 and read[0].shape == (240, 320, 3)
    # MJPEG is lossy but close.
    assert np.abs(read[2].astype(int) - frames[2].astype(int)).mean() < 6


def test_mjpeg_server_speaks_multipart():
    frame = np.full((48, 64, 3), 200, np.uint8)
    with MjpegServer([frame], fps=50) as server, urllib.request.urlopen(server.url, timeout=5) as response:
        assert response.headers["Content-Type"] == f"multipart/x-mixed-replace; boundary={BOUNDARY}"
        head = response.read(200)
    assert head.startswith(f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\n".encode())
    assert b"\xff\xd8" in head  # a JPEG starts right after the part headers
