"""Second chances for a frame where a QR code was located but not decoded.

zxing-cpp reports where it found a symbol it could not decode (a checksum or format error): a
code is there, only too blurred, too small, too noisy or too washed out. Rather than running a
costly reader over the whole frame, the retries cut that region out (with a margin), enlarge
it and try again on a few prepared versions of it: sharpened (blur), contrast-stretched
(glare, low light), inverted for ZBar (which reads dark-on-light only), each with zxing-cpp and
then ZBar. On a region of a few hundred pixels each try costs well under a millisecond. A text
read on a retry is accepted only once confirmed (``confirm.py``): retries are where misdecodes
come from.

A frame without a located symbol gets a whole-frame pass instead, but only when it is small
(still images, corpus photos): on a 1280x720 camera frame that pass would cost more than the
cheap reader itself, on every empty frame.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from time import perf_counter

import cv2
import numpy as np

from hardware.scanner.confirm import Confirmation
from hardware.scanner.frame_budget import FrameContext
from hardware.scanner.readers import (
    SMALL_FRAME_PIXELS,
    Box,
    FrameReader,
    read_with_zbar,
    read_with_zbar_inverted,
    read_with_zxing,
    read_with_zxing_histogram,
    read_with_zxing_upright_polarity,
)

# The region handed to the retries: the symbol's box grown by this fraction of its size on
# each side (the quiet zone and a corner zxing-cpp may have misplaced), then enlarged so the
# symbol is at least this many pixels wide (3-4 px per module for a version 3 code).
MARGIN = 0.35
MIN_SYMBOL_PX = 160
MAX_REGIONS = 3
MAX_ASPECT = 2.2  # a box longer than this times its width is not a QR symbol, however tilted


def plausible(boxes: Sequence[Box]) -> list[Box]:
    """The boxes that can be a QR symbol: about square (a tilt makes one side at most ~2x the other).

    zxing-cpp also reports "symbols" it assembled from a car's edges or a slip's print lines,
    long thin boxes; a retry there is time lost.
    """
    return [box for box in boxes if _aspect(box) <= MAX_ASPECT]


def _aspect(box: Box) -> float:
    width, height = max(1, box[2] - box[0]), max(1, box[3] - box[1])
    return max(width, height) / min(width, height)


def regions_around(frame: np.ndarray, boxes: Sequence[Box]) -> list[np.ndarray]:
    """Grayscale crops around the plausible ``boxes`` (largest first, at most ``MAX_REGIONS``),
    enlarged when small."""
    gray = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    height, width = gray.shape
    crops = []
    largest = sorted(plausible(boxes), key=lambda b: (b[2] - b[0]) * (b[3] - b[1]), reverse=True)
    for x0, y0, x1, y1 in largest[:MAX_REGIONS]:
        side = max(x1 - x0, y1 - y0, 1)
        pad = int(side * MARGIN) + 4
        crop = gray[max(0, y0 - pad) : min(height, y1 + pad), max(0, x0 - pad) : min(width, x1 + pad)]
        if crop.size == 0:
            continue
        if side < MIN_SYMBOL_PX:
            factor = MIN_SYMBOL_PX / side
            crop = cv2.resize(crop, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)
        crops.append(np.ascontiguousarray(crop))
    return crops


def prepared_versions(gray: np.ndarray) -> Iterator[tuple[str, np.ndarray]]:
    """The region as it is, sharpened, contrast-stretched, a light denoise, halved and smoothed;
    lazily, cheapest and most often right first."""
    yield "as-is", gray
    soft = cv2.GaussianBlur(gray, (0, 0), 2.0)
    yield "sharpened", cv2.addWeighted(gray, 2.0, soft, -1.0, 0)
    low, high = np.percentile(gray, (2, 98))
    if high - low >= 8:
        stretched = np.clip((gray.astype(np.float32) - low) * (255.0 / (high - low)), 0, 255).astype(np.uint8)
        yield "stretched", stretched
    yield "denoised", cv2.medianBlur(gray, 3)
    # Halving averages sensor noise and the texture of cloth or a screen's pixel grid away, when
    # the modules stay at least ~3 px; smoothing does the same without losing pixels.
    if min(gray.shape) >= 2 * MIN_SYMBOL_PX:
        yield "halved", cv2.resize(gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    yield "smoothed", cv2.GaussianBlur(gray, (0, 0), 1.2)


def retry_reads(
    gray_regions: Sequence[np.ndarray],
    readers: Sequence[Callable[[np.ndarray], list[str]]],
    *,
    confirmation: Confirmation | None = None,
    deadline: float | None = None,
    clock: Callable[[], float] = perf_counter,
) -> list[str]:
    """Try each reader on each prepared version of each region; the first confirmed texts win.

    A pass's texts count only once ``confirmation`` (the misdecode guard, ``confirm.py``)
    confirms them: by default when two passes (reader, version, region) agree. A pass starts
    only if it would end before ``deadline`` were it as slow as the slowest pass so far.
    """
    confirmation = confirmation or Confirmation()
    slowest = 0.0  # the slowest pass so far: the next one may take as long, so it must fit
    for index, region in enumerate(gray_regions):
        for version_name, version in prepared_versions(region):
            for reader in readers:
                started = clock()
                if deadline is not None and started + slowest >= deadline:
                    return []
                texts = reader(version)
                slowest = max(slowest, clock() - started)
                if texts:
                    source = (index, version_name, getattr(reader, "__name__", repr(reader)))
                    confirmed = confirmation.offer(texts, source)
                    if confirmed:
                        return confirmed
    return []


class RegionRetries:
    """The cascade's retry stage: the retries above around located symbols (see the module docstring).

    Called with the frame and its ``FrameContext``: the boxes earlier readers located, the
    frame's budget and its misdecode guard. With no boxes, the whole (small) frame is the region.
    """

    wants_context = True

    def __init__(self, *, inverted: bool = True):
        self.readers: tuple[FrameReader, ...] = (
            (read_with_zxing, read_with_zxing_histogram, read_with_zbar, read_with_zbar_inverted)
            if inverted
            else (read_with_zxing_upright_polarity, read_with_zbar)
        )
        self.__name__ = "region_retries"

    def __call__(self, frame: np.ndarray, context: FrameContext) -> list[str]:
        boxes = context.boxes
        regions = regions_around(frame, boxes) if boxes else []
        if not boxes or frame.shape[0] * frame.shape[1] <= SMALL_FRAME_PIXELS:
            # a small frame is cheap to read whole, and the whole frame keeps context a crop loses
            regions.append(frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY))
        return retry_reads(
            regions,
            self.readers,
            confirmation=context.confirmation,
            deadline=context.budget.deadline,
            clock=context.budget.clock,
        )
