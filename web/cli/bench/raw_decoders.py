"""The QR decoders installed here, each used raw (as its library's docs show), for side-by-side figures.

Each entry takes a frame (uint8, grayscale or BGR) and returns the texts it decoded. They are
the baselines ambil's reader (``hardware.scanner.decoder.QrDecoder``, built as the lane builds
it: ``controller.devices.build_decoder``) is measured against. ``wechat`` is OpenCV's WeChat QR
reader (opencv-contrib, the vendored models) on the whole frame, and ``zxing+wechat`` the known
cascade of issue 14: zxing-cpp, then WeChat where zxing-cpp read nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import cv2
import numpy as np

from controller.devices import build_decoder
from hardware.scanner.decoder import read_with_zbar, read_with_zxing
from hardware.scanner.wechat_reader import WeChatReader

log = logging.getLogger(__name__)

Decode = Callable[[np.ndarray], list[str]]


def opencv_reader(detector: cv2.QRCodeDetector | cv2.QRCodeDetectorAruco) -> Decode:
    """``detectAndDecodeMulti`` of an OpenCV detector; unreadable text: none."""

    def decode(frame: np.ndarray) -> list[str]:
        try:
            found, texts, _, _ = detector.detectAndDecodeMulti(frame)
        except (cv2.error, UnicodeDecodeError):  # OpenCV's binding decodes payloads as UTF-8 strictly
            return []
        return [text for text in texts if text] if found else []

    return decode


def zxing_then(fallback: Decode) -> Decode:
    """zxing-cpp, and ``fallback`` only where zxing-cpp read nothing."""

    def decode(frame: np.ndarray) -> list[str]:
        return read_with_zxing(frame) or fallback(frame)

    return decode


def raw_decoders(*, slow: bool = True) -> dict[str, Decode]:
    """Name -> decoder for every raw decoder installed (built fresh: OpenCV detectors keep state).

    ``slow=False`` leaves out pyzbar and OpenCV's classical detectors (25-45 ms a 1280x720 frame).
    """
    wechat = WeChatReader()
    decoders: dict[str, Decode] = {"zxing-cpp": read_with_zxing, "wechat": wechat}
    decoders["zxing+wechat"] = zxing_then(wechat)
    if slow:
        decoders["pyzbar"] = read_with_zbar
        decoders["opencv"] = opencv_reader(cv2.QRCodeDetector())
        if hasattr(cv2, "QRCodeDetectorAruco"):
            decoders["opencv-aruco"] = opencv_reader(cv2.QRCodeDetectorAruco())
    return decoders


def all_readers(*, slow: bool = True, clock=None) -> dict[str, Decode]:
    """ambil's reader (as the lane builds it; ``clock`` for its frame budget, default the wall
    clock) first, then the raw decoders."""
    return {"ambil": build_decoder(clock=clock).decode, **raw_decoders(slow=slow)}
