"""A technician's look at the camera: decode its freshest frame now, and say what it holds."""

from __future__ import annotations

import time

import numpy as np

from hardware.scanner.decoder import QrDecoder
from hardware.scanner.frame_region import Roi, gray_region


def check_frame(snapshot: tuple[np.ndarray, float] | None, decoder: QrDecoder, roi: Roi | None) -> dict:
    """``snapshot`` is (frame, monotonic time it was taken). Nothing is passed to the lane: the
    answer has the frame size, its age and how many codes it holds, never their text."""
    if snapshot is None:
        return {"frame": False, "detail": "no frame received yet"}
    frame, at = snapshot
    started = time.perf_counter()
    texts = decoder.decode(gray_region(frame, roi))
    return {
        "frame": True,
        "width": int(frame.shape[1]),
        "height": int(frame.shape[0]),
        "age_s": round(time.monotonic() - at, 2),
        "codes": len(texts),
        "decode_ms": round((time.perf_counter() - started) * 1000, 1),
    }
