"""Probe for ``ambil doctor``: does a camera source open and give one frame."""

from __future__ import annotations


def camera_frame_size(src: int | str, *, timeout_ms: int = 5000) -> tuple[bool, tuple[int, int] | None]:
    """``(opened, (width, height) of one frame, or None when it gave none)``; the capture is released."""
    import cv2

    params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, timeout_ms, cv2.CAP_PROP_READ_TIMEOUT_MSEC, timeout_ms]
    capture = cv2.VideoCapture(src, cv2.CAP_ANY, params)
    try:
        if not capture.isOpened():
            return False, None
        ok, frame = capture.read()
    finally:
        capture.release()
    if not ok or frame is None:
        return True, None
    height, width = frame.shape[:2]
    return True, (width, height)
