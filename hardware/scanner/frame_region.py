"""The part of a camera frame worth decoding: an optional region of interest, in grayscale.

A lane camera often sees more than the window where drivers hold their phone (the car's roof,
the road). Decoding only the region ``roi`` = (x, y, w, h), as fractions of the frame, saves CPU
and avoids reading a code that is not meant for this lane. Both QR readers work on luminance,
so the region is converted to grayscale once, here.
"""

from __future__ import annotations

import cv2
import numpy as np

Roi = tuple[float, float, float, float]


def check_roi(roi: Roi | None) -> Roi | None:
    """Validate a region of interest; ``ValueError`` when it is not inside the frame."""
    if roi is None:
        return None
    if len(roi) != 4:
        raise ValueError("roi is (x, y, w, h) as fractions of the frame")
    x, y, w, h = (float(value) for value in roi)
    if not (0 <= x < 1 and 0 <= y < 1 and 0 < w <= 1 and 0 < h <= 1):
        raise ValueError("roi is (x, y, w, h) as fractions of the frame, each within 0..1")
    if x + w > 1.0001 or y + h > 1.0001:  # tolerance for fractions such as 1/3 + 2/3
        raise ValueError("roi must lie inside the frame (x + w <= 1 and y + h <= 1)")
    return (x, y, w, h)


def gray_region(frame: np.ndarray, roi: Roi | None) -> np.ndarray:
    """The ``roi`` of a BGR, BGRA or grayscale frame (the whole frame when None), in grayscale."""
    if roi is not None:
        height, width = frame.shape[:2]
        x, y, w, h = roi
        left, top = int(x * width), int(y * height)
        frame = frame[top : top + max(1, round(h * height)), left : left + max(1, round(w * width))]
    if frame.ndim == 3 and frame.shape[2] == 3:
        return cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    if frame.ndim == 3 and frame.shape[2] == 4:
        return cv2.cvtColor(frame, cv2.COLOR_BGRA2GRAY)
    return frame
