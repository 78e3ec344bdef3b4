"""WeChat's two CNNs run directly through ``cv2.dnn``: where are the codes, and a 2x enlargement.

``cv2.wechat_qrcode`` runs both nets and then its own decoder on every candidate, at a cost no
caller can bound (2-400 ms on one 240x240 photo). Run separately, each net's cost is fixed by its
input size: the SSD detector on a frame downscaled to 384 px wide costs ~8 ms, the
super-resolution net on a 100 px region ~11 ms (x86 VM, one thread). So the cascade can use
them within a frame's time budget and decode the result with zxing-cpp and ZBar.

Preprocessing follows OpenCV's wechat_qrcode module (ssd_detector.cpp, super_scale.cpp):
grayscale scaled to 0..1, no mean. The nets are not thread-safe; one lock guards both.

Memory (the lane must stay under 150 MB): the detector stays loaded (6 MB, plus 7 MB of
activations). The SR net's weights are 24 KB but its activations 10-18 MB, needed for a few ms on
a few frames in a hundred, so it is built from its bytes for each call (0.5 ms) and dropped;
``return_big_buffers_to_os`` makes sure its buffers then leave the process.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading

import cv2
import numpy as np

from hardware.errors import ScannerError
from hardware.scanner.readers import Box
from hardware.scanner.wechat_reader import model_paths

# The detector's input, longest side: 320 px finds two in three of the hard set's codes (384: four
# in five) for 7 instead of 8 MB of activations and 25% less time.
DETECT_MAX_SIDE = 320
MIN_CONFIDENCE = 0.5
_M_MMAP_THRESHOLD = -3  # mallopt parameter (malloc.h)


class QrCnn:
    """The detector and the super-resolution net, loaded once (at the composition root)."""

    def __init__(self, *, warm_up: bool = True):
        with model_paths() as paths:
            try:
                self._detector = cv2.dnn.readNetFromCaffe(
                    str(paths["detect.prototxt"]), str(paths["detect.caffemodel"])
                )
                self._sr_files = (
                    np.frombuffer(paths["sr.prototxt"].read_bytes(), np.uint8),
                    np.frombuffer(paths["sr.caffemodel"].read_bytes(), np.uint8),
                )
                cv2.dnn.readNetFromCaffe(*self._sr_files)  # fails here, at start, if it cannot load
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
        net = cv2.dnn.readNetFromCaffe(*self._sr_files)
        net.setInput(blob)
        out = net.forward()
        del net
        return np.ascontiguousarray(np.clip(out[0, 0] * 255.0, 0, 255).astype(np.uint8))


def return_big_buffers_to_os() -> None:
    """Pin glibc's mmap threshold at its default 128 KB, so large buffers (frames, CNN blobs) are
    unmapped when freed. Left dynamic, glibc raises the threshold after the first such free, and
    from then on freed blobs stay in the heap: the lane's resident memory grew by the SR net's
    18 MB of activations for good. A no-op where glibc is not the C library."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(_M_MMAP_THRESHOLD, 128 * 1024)
    except (OSError, AttributeError):
        pass
