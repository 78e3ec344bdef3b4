"""The cascade's last stage: WeChat's CNNs, on regions where a code is likely, within the budget.

Called only when the cheaper readers failed and either a code is likely (zxing-cpp located a
symbol it could not decode; a small still image) or the frame is the one in N that gets a
blind look (``FrameContext.blind``). Steps, each started only if it fits the frame's budget:
1. Regions: around the located symbols (the plausible ones); otherwise where the CNN detector
   (``QrCnn.detect``, on the frame downscaled to 384 px) sees a code; a small still image with
   neither is read whole.
   Big photos are downscaled first (``MAX_SIDE``): their codes are big too.
2. Super-resolution: each region, scaled so that it is about ``SR_INPUT_PX`` wide, is enlarged 2x
   by the SR net and read by zxing-cpp (local and global binarizer) and ZBar. Blurred, defocused
   and noisy codes gain the most: the net was trained to restore module edges.
3. ``cv2.wechat_qrcode`` itself on the region (its CNN, its SR and its decoder): the costliest and
   least predictable pass, so last and only when its recent cost still fits. What it reads is
   checked by cutting the code out along WeChat's corners, squaring it and reading that with
   zxing-cpp and ZBar.
Every text goes through the frame's ``Confirmation``: it counts once two of these passes (or an
earlier retry) agree, or the validator accepts it.
"""

from __future__ import annotations

import logging

import cv2
import numpy as np

from hardware.scanner.frame_budget import FrameContext
from hardware.scanner.frame_retries import plausible
from hardware.scanner.qr_cnn import QrCnn
from hardware.scanner.readers import (
    SMALL_FRAME_PIXELS,
    Box,
    read_with_zbar,
    read_with_zbar_inverted,
    read_with_zxing,
    read_with_zxing_histogram,
)
from hardware.scanner.wechat_reader import WeChatReader

log = logging.getLogger(__name__)

MAX_SIDE = 1280  # frames and photos larger than this are downscaled for this stage
SR_INPUT_PX = 80  # the SR net's time and memory grow with its input area: 6-7 ms, 10 MB at 80 px
MARGIN = 0.3
RECTIFIED_PX = 240  # WeChat's code, squared, for the second opinion: ~6 px a module for version 3
MAX_REGIONS = 2
_SR_READERS = (read_with_zxing, read_with_zxing_histogram, read_with_zbar, read_with_zbar_inverted)


class CostlyStage:
    """The stage described in the module docstring; either model may be None (that step is skipped)."""

    wants_context = True
    blind_looks = True  # may run, one frame in N, on frames with no sign of a code
    __name__ = "costly"

    def __init__(self, cnn: QrCnn | None, wechat: WeChatReader | None = None):
        self.cnn = cnn
        self.wechat = wechat

    def __call__(self, frame: np.ndarray, context: FrameContext) -> list[str]:
        gray = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        scale = min(1.0, MAX_SIDE / max(gray.shape))
        if scale < 1:
            gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        boxes = [tuple(int(v * scale) for v in box) for box in plausible(context.boxes)]
        budget = context.budget
        if not boxes and self.cnn is not None and budget.affords("detect"):
            with budget.spend("detect"):
                boxes = [box for box, _ in self.cnn.detect(gray)]
        regions = [_crop(gray, box) for box in _largest(boxes)]
        if not regions and gray.size <= SMALL_FRAME_PIXELS and not context.blind:
            regions = [gray]
        for index, region in enumerate(regions):
            if region.size == 0:
                continue
            texts = self._super_resolved(region, index, context)
            if texts:
                return texts
        for index, region in enumerate(regions):
            texts = self._wechat(region, index, context)
            if texts:
                return texts
        return []

    def _super_resolved(self, region: np.ndarray, index: int, context: FrameContext) -> list[str]:
        if self.cnn is None or not context.budget.affords("super-resolution"):
            return []
        factor = SR_INPUT_PX / max(region.shape)
        small = cv2.resize(
            region,
            None,
            fx=factor,
            fy=factor,
            interpolation=cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC,
        )
        with context.budget.spend("super-resolution"):
            enlarged = self.cnn.upscale(np.ascontiguousarray(small))
        for reader in _SR_READERS:
            if not context.budget.affords("sr-read"):
                return []
            with context.budget.spend("sr-read"):
                texts = reader(enlarged)
            if texts:
                confirmed = context.confirmation.offer(texts, ("sr", index, reader.__name__))
                if confirmed:
                    return confirmed
        return []

    def _wechat(self, region: np.ndarray, index: int, context: FrameContext) -> list[str]:
        if self.wechat is None or not context.budget.affords("wechat"):
            return []
        with context.budget.spend("wechat"):
            texts, corners = self.wechat.detect(region)
        texts = [text for text in texts if text]
        confirmed = context.confirmation.offer(texts, ("wechat", index)) if texts else []
        if confirmed or not texts:
            return confirmed
        # A second opinion on what WeChat read: the code cut out along WeChat's own corners,
        # squared and read by zxing-cpp and ZBar (a different decoder on a different image).
        for quad in corners:
            square = _rectified(region, quad)
            for reader in _SR_READERS:
                if not context.budget.affords("sr-read"):
                    return []
                with context.budget.spend("sr-read"):
                    found = reader(square)
                confirmed = context.confirmation.offer(found, ("rectified", index, reader.__name__))
                if confirmed:
                    return confirmed
        return []


def _rectified(gray: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """The quadrilateral ``quad`` (4x2 corners) warped to an upright square with a quiet zone."""
    side, quiet = RECTIFIED_PX, RECTIFIED_PX // 8
    target = np.float32(
        [[quiet, quiet], [side - quiet, quiet], [side - quiet, side - quiet], [quiet, side - quiet]]
    )
    warp = cv2.getPerspectiveTransform(np.float32(quad), target)
    return cv2.warpPerspective(
        gray, warp, (side, side), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE
    )


def _largest(boxes: list[Box]) -> list[Box]:
    return sorted(boxes, key=lambda b: (b[2] - b[0]) * (b[3] - b[1]), reverse=True)[:MAX_REGIONS]


def _crop(gray: np.ndarray, box: Box) -> np.ndarray:
    x0, y0, x1, y1 = box
    pad = int(max(x1 - x0, y1 - y0) * MARGIN) + 4
    height, width = gray.shape
    return np.ascontiguousarray(
        gray[max(0, y0 - pad) : min(height, y1 + pad), max(0, x0 - pad) : min(width, x1 + pad)]
    )
