"""Find QR codes in camera frames and image files.

The decoder is a cascade of readers tried in order; the first reader that finds anything wins,
so the common case (zxing-cpp reads the code) pays for one reader only. ZBar comes second
because it reads some photos that zxing-cpp misses (blur, uneven light). To tune or extend the
cascade, pass ``readers`` or add a function with the ``FrameReader`` signature below.

Texts are never logged: a frame may hold a pickup code, which is a bearer secret.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import cv2
import numpy as np
import zxingcpp

from hardware.errors import ScannerError
from hardware.scanner.zbar_reader import read_qr_bytes

log = logging.getLogger(__name__)

# A reader takes a prepared frame (uint8, C-contiguous, grayscale or BGR) and returns the texts
# it found, possibly with repeats; it returns [] when it finds nothing.
FrameReader = Callable[[np.ndarray], list[str]]


def read_with_zxing(frame: np.ndarray) -> list[str]:
    """zxing-cpp, QR family only (QR model 1/2, Micro QR, rMQR).

    zxing-cpp has no separate "try harder" switch in Python: rotation, downscaling and inverted
    (light on dark) codes are the options that widen the search, all on here. ``Plain`` text
    mode keeps the payload as encoded (control characters, GS1 separators) instead of the
    human-readable rendering, so a code compares equal to what was put into it.
    """
    results = zxingcpp.read_barcodes(
        frame,
        formats=zxingcpp.BarcodeFormat.QRCode,
        try_rotate=True,
        try_downscale=True,
        try_invert=True,
        text_mode=zxingcpp.TextMode.Plain,
    )
    # zxing-cpp already turned the bytes into text using the ECI / its charset guess.
    return [result.text for result in results if result.valid and result.text]


def read_with_zbar(frame: np.ndarray) -> list[str]:
    """ZBar (via pyzbar's bindings), QR only; ZBar needs grayscale."""
    gray = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    return [_text_from_zbar(payload) for payload in read_qr_bytes(gray) if payload]


def _text_from_zbar(payload: bytes) -> str:
    # ZBar converts QR text to UTF-8 itself (honouring ECI or guessing the charset); bytes that
    # are still not UTF-8 are binary data, kept one character per byte rather than dropped.
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        return payload.decode("latin-1")


DEFAULT_READERS: tuple[FrameReader, ...] = (read_with_zxing, read_with_zbar)


class QrDecoder:
    """Decode QR codes from frames (numpy arrays, BGR / BGRA / grayscale, uint8).

    ``readers`` is the cascade, tried in order until one finds a code. The decoder holds no
    device and no per-frame state, so one instance may be shared by several threads.
    """

    def __init__(self, readers: Sequence[FrameReader] | None = None):
        self.readers: tuple[FrameReader, ...] = tuple(readers) if readers else DEFAULT_READERS

    def decode(self, frame: np.ndarray | None) -> list[str]:
        """Return the distinct texts found in ``frame``, in the order the reader reported them."""
        prepared = _prepare(frame)
        if prepared is None:
            return []
        for reader in self.readers:
            try:
                texts = reader(prepared)
            except Exception:  # a broken reader must not stop the cascade or the camera loop
                log.exception("QR reader %s failed; trying the next one", _reader_name(reader))
                continue
            if texts:
                log.debug("%s found %d code(s)", _reader_name(reader), len(texts))
                return list(dict.fromkeys(texts))
        return []

    def decode_file(self, path: str | Path) -> list[str]:
        """Decode an image file; raise ``ScannerError`` when it is missing or not an image."""
        return self.decode(load_image_file(path))

    def decode_bytes(self, data: bytes) -> list[str]:
        """Decode an encoded image (PNG, JPEG, WebP, ...); raise ``ScannerError`` if it is not one."""
        return self.decode(load_image_bytes(data))


def load_image_file(path: str | Path) -> np.ndarray:
    """Read an image file as BGR; ``ScannerError`` (reason ``unreadable-image``) when it cannot."""
    path = Path(path)
    if not path.is_file():
        raise ScannerError(f"image file not found: {path}", reason="unreadable-image")
    # imdecode instead of imread: imread only logs a warning and returns None on a bad file,
    # and it cannot tell "missing" from "not an image".
    return _decode_image(path.read_bytes(), what=str(path))


def load_image_bytes(data: bytes) -> np.ndarray:
    """Decode an encoded image as BGR; ``ScannerError`` (reason ``unreadable-image``) when it cannot."""
    return _decode_image(data, what=f"{len(data)} bytes")


def _decode_image(data: bytes, *, what: str) -> np.ndarray:
    image = None
    if data:
        image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if image is None or image.size == 0:
        raise ScannerError(f"not a readable image: {what}", reason="unreadable-image")
    return image


def _prepare(frame: np.ndarray | None) -> np.ndarray | None:
    """Bring a frame to uint8 grayscale or BGR, C-contiguous; None when there is nothing to read."""
    if frame is None or not isinstance(frame, np.ndarray) or frame.size == 0:
        return None
    if frame.dtype != np.uint8:
        raise ScannerError(f"frames must be uint8, got {frame.dtype}", reason="bad-frame")
    if frame.ndim == 3 and frame.shape[2] == 1:
        frame = frame[:, :, 0]
    elif frame.ndim == 3 and frame.shape[2] == 4:
        frame = cv2.cvtColor(frame, cv2.COLOR_BGRA2BGR)
    elif not (frame.ndim == 2 or (frame.ndim == 3 and frame.shape[2] == 3)):
        raise ScannerError(f"unsupported frame shape {frame.shape}", reason="bad-frame")
    return np.ascontiguousarray(frame)


def _reader_name(reader: FrameReader) -> str:
    return getattr(reader, "__name__", repr(reader))
