"""The cascade's wrinkle pass: OpenCV's curved-surface QR decoder, on small still images.

A code printed on cloth or a crumpled slip is not a flat square: its module grid bends, so
readers that sample a perspective grid (zxing-cpp, ZBar, WeChat after its CNN) read modules from
the wrong places. ``cv2.QRCodeDetector.detectAndDecodeCurved`` fits the bent edges of the code
and samples along them. It costs 5-30 ms a call on a 240-480 px image, each call started only if
its recent cost fits what is left of the frame's budget.

It runs on small still images only (photos, uploads: ``SMALL_FRAME_PIXELS``), never on camera
frames: on 100 code frames of the hard lane set (``ambil bench reader --hard-frames``) it read
none that the cascade missed, even with no budget, while its cost would starve the CNN stage
that reads blurred frames. On small images it runs before the CNN stage: on
``tests/data/qr-corpus`` it reads qrcode-4/05 and /06 (codes on a wrinkled T-shirt) that no other
pass reads, and in that order the corpus' p95 time stayed as without it (15.3 vs 15.1 ms CPU),
where after the CNN stage the budget was spent before it ran.

It reads a few preparations (as-is, Otsu-binarised, enlarged 1.5x and 2x); which of them works
depends on the photo, and its texts go through the frame's ``Confirmation`` like every other
later pass: two preparations must agree (or the text parses as a pickup code).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator

import cv2
import numpy as np

from hardware.scanner.frame_budget import FrameContext
from hardware.scanner.readers import SMALL_FRAME_PIXELS

log = logging.getLogger(__name__)

MAX_SIDE_PX = 360  # images are scaled down to this first: the fit's cost grows with the area


def _otsu(gray: np.ndarray) -> np.ndarray:
    return cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)[1]


def _enlarged(gray: np.ndarray, factor: float, interpolation: int) -> np.ndarray:
    return cv2.resize(gray, None, fx=factor, fy=factor, interpolation=interpolation)


def prepared_versions(gray: np.ndarray) -> Iterator[tuple[str, np.ndarray]]:
    """The image in the versions the curved decoder reads best, cheapest first (lazily)."""
    yield "as-is", gray
    binary = _otsu(gray)
    yield "otsu", binary
    yield "otsu-1.5x", _otsu(_enlarged(gray, 1.5, cv2.INTER_CUBIC))
    yield "otsu-2x", _enlarged(binary, 2.0, cv2.INTER_NEAREST)


class CurvedRetries:
    """The stage described in the module docstring (``only_when_likely`` in the cascade, before
    the CNN stage)."""

    wants_context = True
    __name__ = "curved"

    def __init__(self):
        self._detector = cv2.QRCodeDetector()
        self._lock = threading.Lock()  # one OpenCV detector object; the decoder may be shared

    def __call__(self, frame: np.ndarray, context: FrameContext) -> list[str]:
        if context.blind or frame.shape[0] * frame.shape[1] > SMALL_FRAME_PIXELS:
            return []  # see the module docstring: camera frames gain nothing from it
        gray = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        budget = context.budget
        for name, version in prepared_versions(_capped(gray)):
            if not budget.affords("curved"):
                return []
            with budget.spend("curved"):
                text = self._decode(version)
            if text:
                confirmed = context.confirmation.offer([text], ("curved", name))
                if confirmed:
                    return confirmed
        return []

    def _decode(self, gray: np.ndarray) -> str:
        try:
            with self._lock:
                text, _points, _straight = self._detector.detectAndDecodeCurved(gray)
        except cv2.error as exc:  # OpenCV asserts on some degenerate outlines; nothing read
            log.debug("curved QR decoder: %s", exc)
            return ""
        return text or ""


def _capped(region: np.ndarray) -> np.ndarray:
    scale = MAX_SIDE_PX / max(region.shape)
    if scale >= 1:
        return region
    return np.ascontiguousarray(cv2.resize(region, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA))
