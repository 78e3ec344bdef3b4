"""Find QR codes in camera frames and image files.

The decoder is a cascade of readers tried in order; the first reader that finds anything wins,
so the common case (zxing-cpp reads the code) pays for one reader only. To tune or extend the
cascade, pass ``readers`` or add a function with the ``FrameReader`` signature below.

The default cascade (measured in ``ambil bench reader``, docs/benchmarks.md):
1. zxing-cpp on every frame (~1.5 ms on 1280x720), with its inverted (dark mode) pass.
2. Only where a code is likely: retries (``frame_retries``) on the region around each symbol
   zxing-cpp located but could not decode, enlarged, sharpened, contrast-stretched and
   denoised, each read by zxing-cpp (two binarizers) and ZBar (upright and inverted). A frame
   with no located symbol is "likely" only when it is small (a still image) and the cheap
   finder-pattern check (``finder_patterns``) sees candidates: on a large camera frame that
   check costs more than zxing-cpp itself, on every empty frame of an idle lane.
Retries stop at the first text read. Unchanged camera frames never reach the decoder
(``decode_pacer``).

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
from hardware.scanner.confirm import Confirmation, Validator
from hardware.scanner.finder_patterns import count_finder_candidates
from hardware.scanner.frame_retries import Box, regions_around, retry_reads
from hardware.scanner.zbar_reader import read_qr_bytes

log = logging.getLogger(__name__)

# A reader takes a prepared frame (uint8, C-contiguous, grayscale or BGR) and returns the texts
# it found, possibly with repeats; it returns [] when it finds nothing.
FrameReader = Callable[[np.ndarray], list[str]]


# Frames up to this many pixels (VGA) count as small: the finder check and a whole-frame
# retry are cheap there. Larger frames get retries only around symbols a reader located.
SMALL_FRAME_PIXELS = 640 * 480


class ReaderResult(list):
    """The texts a reader found (a ``list[str]``), plus ``undecoded``: how many symbols it located
    but could not decode, and ``boxes``: where (x0, y0, x1, y1), when the reader says. A reader
    may return a plain list instead; that means "no hint"."""

    def __init__(self, texts: Sequence[str] = (), *, undecoded: int = 0, boxes: Sequence[Box] = ()):
        super().__init__(texts)
        self.undecoded = undecoded
        self.boxes = list(boxes)


class _OnlyWhenLikely:
    """A reader the cascade skips unless the frame likely holds a QR code (see ``QrDecoder``)."""

    only_when_likely = True

    def __init__(self, reader: FrameReader):
        self.reader = reader
        self.wants_boxes = getattr(reader, "wants_boxes", False)
        self.__name__ = getattr(reader, "__name__", repr(reader))

    def __call__(self, frame: np.ndarray, *args) -> list[str]:
        return self.reader(frame, *args)


def only_when_likely(reader: FrameReader) -> FrameReader:
    """Mark an expensive reader: run it only on frames that likely hold a code."""
    return _OnlyWhenLikely(reader)


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


def _read_with_zxing_histogram(frame: np.ndarray) -> list[str]:
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


def _read_with_zxing_upright_polarity(frame: np.ndarray) -> list[str]:
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


def _read_with_zbar_inverted(frame: np.ndarray) -> list[str]:
    """ZBar on the negative: ZBar itself reads dark-on-light codes only."""
    return read_with_zbar(255 - frame)


class RegionRetries:
    """The cascade's costly stage: ``frame_retries`` around located symbols (see module docstring).

    Called with the frame and the boxes earlier readers located; with no boxes, the whole
    (small) frame is the region.
    """

    wants_boxes = True

    def __init__(self, *, inverted: bool = True, validator: Validator | None = None):
        self.validator = validator
        self.readers: tuple[FrameReader, ...] = (
            (read_with_zxing, _read_with_zxing_histogram, read_with_zbar, _read_with_zbar_inverted)
            if inverted
            else (_read_with_zxing_upright_polarity, read_with_zbar)
        )
        self.__name__ = "region_retries"

    def __call__(self, frame: np.ndarray, boxes: Sequence[Box] = ()) -> list[str]:
        regions = regions_around(frame, boxes) if boxes else []
        if not boxes or frame.shape[0] * frame.shape[1] <= SMALL_FRAME_PIXELS:
            # a small frame is cheap to read whole, and the whole frame keeps context a crop loses
            regions.append(frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY))
        return retry_reads(regions, self.readers, confirmation=Confirmation(self.validator))


DEFAULT_READERS: tuple[FrameReader, ...] = (read_with_zxing, only_when_likely(RegionRetries()))


class QrDecoder:
    """Decode QR codes from frames (numpy arrays, BGR / BGRA / grayscale, uint8).

    ``readers`` is the cascade, tried in order until one finds a code. A reader wrapped with
    ``only_when_likely`` runs only when an earlier reader reported an undecodable symbol or the
    (small) frame has at least ``min_finder_candidates`` finder-pattern candidates. ``try_inverted``
    (default cascade only) makes zxing-cpp also look for light-on-dark codes. The decoder holds
    no device and no per-frame state, so one instance may be shared by several threads.
    """

    def __init__(
        self,
        readers: Sequence[FrameReader] | None = None,
        *,
        try_inverted: bool = True,
        min_finder_candidates: int = 1,
    ):
        if readers:
            self.readers: tuple[FrameReader, ...] = tuple(readers)
        elif try_inverted:
            self.readers = DEFAULT_READERS
        else:
            self.readers = (
                _read_with_zxing_upright_polarity,
                only_when_likely(RegionRetries(inverted=False)),
            )
        self.min_finder_candidates = min_finder_candidates

    def decode(self, frame: np.ndarray | None) -> list[str]:
        """Return the distinct texts found in ``frame``, in the order the reader reported them."""
        prepared = _prepare(frame)
        if prepared is None:
            return []
        likely: bool | None = None  # None: not known yet (the finder check is run lazily)
        boxes: list[Box] = []  # where earlier readers located symbols they could not decode
        for reader in self.readers:
            if getattr(reader, "only_when_likely", False):
                if likely is None:
                    likely = self._has_finder_candidates(prepared)
                if not likely:
                    log.debug("skipping %s: no sign of a code in the frame", _reader_name(reader))
                    continue
            try:
                texts = reader(prepared, boxes) if getattr(reader, "wants_boxes", False) else reader(prepared)
            except Exception:  # a broken reader must not stop the cascade or the camera loop
                log.exception("QR reader %s failed; trying the next one", _reader_name(reader))
                continue
            if texts:
                log.debug("%s found %d code(s)", _reader_name(reader), len(texts))
                return list(dict.fromkeys(texts))
            if getattr(texts, "undecoded", 0) > 0:
                likely = True
                boxes.extend(getattr(texts, "boxes", ()))
        return []

    def _has_finder_candidates(self, frame: np.ndarray) -> bool:
        if frame.shape[0] * frame.shape[1] > SMALL_FRAME_PIXELS:
            return False  # see the module docstring: too costly for what it finds on camera frames
        gray = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        if count_finder_candidates(gray) >= self.min_finder_candidates:
            return True
        # Dithered or speckled prints break the finder rings into dots; a 3x3 median joins them.
        return count_finder_candidates(cv2.medianBlur(gray, 3)) >= self.min_finder_candidates

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
