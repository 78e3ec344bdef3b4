"""The QR decoders installed here, each used raw (as its library's docs show), for side-by-side figures.

Each entry takes a frame (uint8, grayscale or BGR) and returns the texts it decoded. They are
the baselines ambil's reader (``hardware.scanner.decoder.QrDecoder``) is measured against.
OpenCV's WeChat QR reader is not among them: it needs opencv-contrib plus CNN model files
that are downloaded from GitHub, and this machine reaches only the package registries.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import cv2
import numpy as np

from hardware.scanner.decoder import QrDecoder, read_with_zbar, read_with_zxing

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


def raw_decoders() -> dict[str, Decode]:
    """Name -> decoder for every raw decoder installed (built fresh: OpenCV detectors keep state)."""
    decoders: dict[str, Decode] = {"zxing-cpp": read_with_zxing, "pyzbar": read_with_zbar}
    decoders["opencv"] = opencv_reader(cv2.QRCodeDetector())
    if hasattr(cv2, "QRCodeDetectorAruco"):
        decoders["opencv-aruco"] = opencv_reader(cv2.QRCodeDetectorAruco())
    return decoders


def all_readers() -> dict[str, Decode]:
    """ambil's reader first, then the raw decoders."""
    return {"ambil": QrDecoder().decode, **raw_decoders()}
