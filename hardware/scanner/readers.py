"""The cheap QR readers the cascade is built from: zxing-cpp and ZBar, each a ``FrameReader``.

A reader takes a prepared frame (uint8, C-contiguous, grayscale or BGR) and returns the texts it
found, possibly with repeats; it returns [] when it finds nothing. zxing-cpp's readers return a
``ReaderResult``, which also says where zxing-cpp located symbols it could not decode.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import cv2
import numpy as np
import zxingcpp

from hardware.scanner.zbar_reader import read_qr_bytes

FrameReader = Callable[[np.ndarray], list[str]]
Box = tuple[int, int, int, int]  # x0, y0, x1, y1 in frame pixels

# Frames up to this many pixels (VGA) count as small (still images, corpus photos): the finder
# check and whole-frame retries are cheap there. Larger frames get them only around symbols.
SMALL_FRAME_PIXELS = 640 * 480


class ReaderResult(list):
    """The texts a reader found (a ``list[str]``), plus ``undecoded``: how many symbols it located
    but could not decode, and ``boxes``: where (x0, y0, x1, y1), when the reader says. A reader
    may return a plain list instead; that means "no hint"."""

    def __init__(self, texts: Sequence[str] = (), *, undecoded: int = 0, boxes: Sequence[Box] = ()):
        super().__init__(texts)
        self.undecoded = undecoded
        self.boxes = list(boxes)


def read_with_zxing(frame: np.ndarray, *, try_invert: bool = True) -> list[str]:
    """zxing-cpp, QR family only (QR model 1/2, Micro QR, rMQR).

    zxing-cpp has no separate "try harder" switch in Python: rotation, downscaling and inverted
    (light on dark, as phones in dark mode show them) codes are the options that widen the
    search, all on by default. ``Plain`` text mode keeps the payload as encoded (control
    characters, GS1 separators) instead of the human-readable rendering, so a code compares
    equal to what was put into it. Symbols found but not decodable (checksum, format errors)
    are counted in ``ReaderResult.undecoded``: a hint for the cascade that a code is there.
    """
    results = zxingcpp.read_barcodes(
        frame,
        formats=zxingcpp.BarcodeFormat.QRCode,
        try_rotate=True,
        try_downscale=True,
        try_invert=try_invert,
        text_mode=zxingcpp.TextMode.Plain,
        return_errors=True,
    )
    # zxing-cpp already turned the bytes into text using the ECI / its charset guess.
    texts = [result.text for result in results if result.valid and result.text]
    boxes = [_box(result.position) for result in results if not result.valid]
    return ReaderResult(texts, undecoded=len(boxes), boxes=boxes)


def _box(position) -> Box:
    xs = [position.top_left.x, position.top_right.x, position.bottom_right.x, position.bottom_left.x]
    ys = [position.top_left.y, position.top_right.y, position.bottom_right.y, position.bottom_left.y]
    return min(xs), min(ys), max(xs), max(ys)


def read_with_zxing_histogram(frame: np.ndarray) -> list[str]:
    """zxing-cpp with a global threshold: reads dithered and speckled codes the local one breaks up."""
    results = zxingcpp.read_barcodes(
        frame,
        formats=zxingcpp.BarcodeFormat.QRCode,
        try_rotate=True,
        try_downscale=False,
        try_invert=True,
        binarizer=zxingcpp.Binarizer.GlobalHistogram,
        text_mode=zxingcpp.TextMode.Plain,
    )
    return [result.text for result in results if result.valid and result.text]


def read_with_zxing_upright_polarity(frame: np.ndarray) -> list[str]:
    """zxing-cpp without the inverted (light on dark) pass."""
    return read_with_zxing(frame, try_invert=False)


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


def read_with_zbar_inverted(frame: np.ndarray) -> list[str]:
    """ZBar on the negative: ZBar itself reads dark-on-light codes only."""
    return read_with_zbar(255 - frame)


read_with_zxing_histogram.__name__ = "zxing-histogram"
read_with_zxing_upright_polarity.__name__ = "zxing-upright"
read_with_zbar_inverted.__name__ = "zbar-inverted"
