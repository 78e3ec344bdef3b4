"""Find QR codes in camera frames and image files.

The decoder is a cascade of readers tried in order; the first reader that finds anything wins,
so the common case (zxing-cpp reads the code) pays for one reader only. To tune or extend the
cascade, pass ``readers`` or add a function with the ``FrameReader`` signature (``readers.py``).

The default cascade (measured in ``ambil bench reader``, docs/benchmarks.md):
1. zxing-cpp on every frame (~1.5 ms on 1280x720), with its inverted (dark mode) pass.
2. Only where a code is likely: retries (``frame_retries``) on the region around each symbol
   zxing-cpp located but could not decode, enlarged, sharpened, contrast-stretched and
   denoised, each read by zxing-cpp (two binarizers) and ZBar (upright and inverted). A frame
   with no located symbol is "likely" only when it is small (a still image) and the cheap
   finder-pattern check (``finder_patterns``) sees candidates: on a large camera frame that
   check costs more than zxing-cpp itself, on every empty frame of an idle lane.
3. With ``costly`` (the composition root passes one): WeChat's CNNs (``costly_stage``) where a
   code is likely, and on at most one frame in ``idle_costly_every`` with no sign of a code
   (an idle lane's frames; the CNN detector looks for a code zxing-cpp did not even locate).
   Before it, on small still images only, with ``curved``: OpenCV's curved-surface decoder
   (``curved_stage``) for codes on cloth or crumpled paper, whose module grid bends.
Every pass after the first counts a text only once it is confirmed (``confirm``: two passes
agree, or ``validator`` accepts it), and no pass starts once the frame's time budget
(``budget_ms`` for a 1280x720 frame, scaled by size, ``frame_budget``) is spent. Unchanged
camera frames never reach the decoder (``decode_pacer``).

Texts are never logged: a frame may hold a pickup code, which is a bearer secret.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from time import perf_counter

import cv2
import numpy as np

from hardware.errors import ScannerError
from hardware.scanner.confirm import Confirmation, Validator
from hardware.scanner.costly_stage import CostlyStage
from hardware.scanner.curved_stage import CurvedRetries
from hardware.scanner.finder_patterns import count_finder_candidates
from hardware.scanner.frame_budget import (
    DEFAULT_BUDGET_MS,
    DEFAULT_IDLE_COSTLY_EVERY,
    FrameBudget,
    FrameContext,
    PassCosts,
    budget_seconds,
)
from hardware.scanner.frame_retries import RegionRetries
from hardware.scanner.readers import (
    SMALL_FRAME_PIXELS,
    FrameReader,
    ReaderResult,
    read_with_zbar,
    read_with_zxing,
    read_with_zxing_upright_polarity,
)

__all__ = [
    "DEFAULT_BUDGET_MS",
    "DEFAULT_IDLE_COSTLY_EVERY",
    "FrameReader",
    "QrDecoder",
    "ReaderResult",
    "RegionRetries",
    "load_image_bytes",
    "load_image_file",
    "only_when_likely",
    "read_with_zbar",
    "read_with_zxing",
]

log = logging.getLogger(__name__)


class _OnlyWhenLikely:
    """A reader the cascade skips unless the frame likely holds a QR code (see ``QrDecoder``)."""

    only_when_likely = True

    def __init__(self, reader: FrameReader):
        self.reader = reader
        for hint in ("wants_boxes", "wants_context", "blind_looks"):
            setattr(self, hint, getattr(reader, hint, False))
        self.__name__ = getattr(reader, "__name__", repr(reader))

    def __call__(self, frame: np.ndarray, *args) -> list[str]:
        return self.reader(frame, *args)


def only_when_likely(reader: FrameReader) -> FrameReader:
    """Mark an expensive reader: run it only on frames that likely hold a code."""
    return _OnlyWhenLikely(reader)


class QrDecoder:
    """Decode QR codes from frames (numpy arrays, BGR / BGRA / grayscale, uint8).

    ``readers`` is the cascade, tried in order until one finds a code. A reader wrapped with
    ``only_when_likely`` runs only when an earlier reader reported an undecodable symbol or the
    (small) frame has at least ``min_finder_candidates`` finder-pattern candidates; one that also
    has ``blind_looks`` runs on one such frame in ``idle_costly_every`` anyway (0: never). A
    reader with ``wants_context`` is called with the frame's ``FrameContext``. ``try_inverted``
    (default cascade only) makes zxing-cpp also look for light-on-dark codes. ``costly``: the
    WeChat stage for the default cascade (None: without it); ``curved`` the curved-surface
    decoder before it (None: without it). ``validator``: the misdecode guard's
    shortcut (``confirm``). ``budget_ms``: per frame; None for no limit. ``clock``: seconds.
    The decoder holds no device and no per-frame state, so one instance may be shared by
    several threads (the CNN readers serialise their own calls).
    """

    def __init__(
        self,
        readers: Sequence[FrameReader] | None = None,
        *,
        try_inverted: bool = True,
        min_finder_candidates: int = 1,
        costly: CostlyStage | None = None,
        curved: CurvedRetries | None = None,
        validator: Validator | None = None,
        budget_ms: float | None = DEFAULT_BUDGET_MS,
        idle_costly_every: int = DEFAULT_IDLE_COSTLY_EVERY,
        clock: Callable[[], float] = perf_counter,
    ):
        if budget_ms is not None and budget_ms <= 0:
            raise ValueError("budget_ms must be > 0 (or None for no limit)")
        if idle_costly_every < 0:
            raise ValueError("idle_costly_every must be >= 0")
        if readers:
            self.readers: tuple[FrameReader, ...] = tuple(readers)
        else:
            first = read_with_zxing if try_inverted else read_with_zxing_upright_polarity
            stages = [first, only_when_likely(RegionRetries(inverted=try_inverted))]
            if curved is not None:  # small still images only; before the CNNs (curved_stage.py)
                stages.append(only_when_likely(curved))
            if costly is not None:
                stages.append(only_when_likely(costly))
            self.readers = tuple(stages)
        self.min_finder_candidates = min_finder_candidates
        self.validator = validator
        self.budget_ms = budget_ms
        self.idle_costly_every = idle_costly_every
        self.clock = clock
        self.costs = PassCosts()
        self._without_sign = itertools.count(1)  # next() is atomic: safe to share between threads

    def decode(self, frame: np.ndarray | None) -> list[str]:
        """Return the distinct texts found in ``frame``, in the order the reader reported them."""
        prepared = _prepare(frame)
        if prepared is None:
            return []
        seconds = budget_seconds(
            self.budget_ms, prepared.shape[0] * prepared.shape[1], small_pixels=SMALL_FRAME_PIXELS
        )
        deadline = self.clock() + seconds if seconds is not None else None
        context = FrameContext(FrameBudget(deadline, self.clock, self.costs), Confirmation(self.validator))
        likely: bool | None = None  # None: not known yet (the finder check is run lazily)
        for index, reader in enumerate(self.readers):
            if index and context.budget.expired():
                log.debug("frame budget spent before %s", _reader_name(reader))
                break
            if getattr(reader, "only_when_likely", False):
                if likely is None:
                    likely = self._has_finder_candidates(prepared)
                if not likely and not (getattr(reader, "blind_looks", False) and self._blind_look_due()):
                    log.debug("skipping %s: no sign of a code in the frame", _reader_name(reader))
                    continue
                context.blind = not likely
            try:
                if getattr(reader, "wants_context", False):
                    texts = reader(prepared, context)
                elif getattr(reader, "wants_boxes", False):
                    texts = reader(prepared, context.boxes)
                else:
                    texts = reader(prepared)
            except Exception:  # a broken reader must not stop the cascade or the camera loop
                log.exception("QR reader %s failed; trying the next one", _reader_name(reader))
                continue
            if texts:
                log.debug("%s found %d code(s)", _reader_name(reader), len(texts))
                return list(dict.fromkeys(texts))
            if getattr(texts, "undecoded", 0) > 0:
                likely = True
                context.boxes.extend(getattr(texts, "boxes", ()))
        return []

    def _blind_look_due(self) -> bool:
        return bool(self.idle_costly_every) and next(self._without_sign) % self.idle_costly_every == 0

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
