"""WeChat's two CNNs run directly through ``cv2.dnn``: where are the codes, and a 2x enlargement.

``cv2.wechat_qrcode`` runs both nets and then its own decoder on every candidate, at a cost no
caller can bound (2-400 ms on one 240x240 photo). Run separately, each net's cost is fixed by its
input size: the SSD detector on a frame downscaled to 384 px wide costs ~8 ms, the
super-resolution net on a 100 px region ~11 ms (x86 VM, one thread). So the cascade can use
them within a frame's time budget and decode the result with zxing-cpp and ZBar.

Preprocessing follows OpenCV's wechat_qrcode module (ssd_detector.cpp, super_scale.cpp):
grayscale scaled to 0..1, no mean. The nets are not thread-safe; one lock guards both.
"""

from __future__ import annotations

import threading

import cv2
import numpy as np

from hardware.errors import ScannerError
from hardware.scanner.readers import Box
from hardware.scanner.wechat_reader import model_paths

DETECT_MAX_SIDE = 384  # the detector's input, longest side (WeChat itself uses ~400x400 px of area)
MIN_CONFIDENCE = 0.5


class QrCnn:
    """The detector and the super-resolution net, loaded once (at the composition root)."""

    def __init__(self, *, warm_up: bool = True):
        with model_paths() as paths:
            try:
                self._detector = cv2.dnn.readNetFromCaffe(
                    str(paths["detect.prototxt"]), str(paths["detect.caffemodel"])
                )
                self._sr = cv2.dnn.readNetFromCaffe(str(paths["sr.prototxt"]), str(paths["sr.caffemodel"]))
            except cv2.error as exc:
                raise ScannerError(f"QR CNN models did not load: {exc}", reason="reader-unavailable") from exc
        self._lock = threading.Lock()
        if warm_up:  # the first forward pass sets up the layers: slow, so not on a real frame
            blank = np.full((216, 384), 255, np.uint8)
            self.detect(blank)
            self.upscale(blank[:64, :64])

    def detect(self, gray: np.ndarray, *, max_side: int = DETECT_MAX_SIDE) -> list[tuple[Box, float]]:
        """Boxes (frame pixels) of likely QR codes in a grayscale frame, with their confidence."""
        height, width = gray.shape
        scale = min(1.0, max_side / max(height, width))
        size = (max(8, round(width * scale)), max(8, round(height * scale)))
        small = cv2.resize(gray, size, interpolation=cv2.INTER_AREA) if scale < 1 else gray
        blob = cv2.dnn.blobFromImage(small, 1.0 / 255, size, 0, False, False)
        with self._lock:
            self._detector.setInput(blob)
            out = self._detector.forward()
        found = []
        for _, label, confidence, x0, y0, x1, y1 in out.reshape(-1, 7):
            if label != 1 or confidence < MIN_CONFIDENCE:
                continue
            box = (
                int(max(0.0, x0) * width),
                int(max(0.0, y0) * height),
                int(min(1.0, x1) * width),
                int(min(1.0, y1) * height),
            )
            if box[2] - box[0] >= 8 and box[3] - box[1] >= 8:
                found.append((box, float(confidence)))
        return found

    def upscale(self, gray: np.ndarray) -> np.ndarray:
        """The region enlarged 2x by the super-resolution net (uint8 grayscale)."""
        height, width = gray.shape
        blob = cv2.dnn.blobFromImage(gray, 1.0 / 255, (width, height), 0, False, False)
        with self._lock:
            self._sr.setInput(blob)
            out = self._sr.forward()
        return np.ascontiguousarray(np.clip(out[0, 0] * 255.0, 0, 255).astype(np.uint8))
