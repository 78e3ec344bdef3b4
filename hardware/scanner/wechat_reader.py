"""OpenCV's WeChat QR reader: a CNN detector and a super-resolution net in front of ZXing.

The CNN finds codes the classical finders miss (glare over a finder, a thumb over a corner,
strong blur), and the super-resolution net (applied by OpenCV to small detected codes) gives the
decoder more pixels per module. It costs 10-100x what zxing-cpp costs on the same frame, so the
cascade (``decoder.QrDecoder``) calls it only where a code is likely, on a region around it.

The four model files (Apache-2.0) are vendored in ``hardware/scanner/models/wechat`` and found as
package data, so an installed package needs nothing outside itself. Loading them takes ~50 ms and
the first detection is slow (OpenCV's DNN sets up its layers), so a ``WeChatReader`` loads and
warms up once, at the composition root, not per frame and never at import.

``cv2.wechat_qrcode_WeChatQRCode`` is not thread-safe: one instance is guarded by a lock. A
decoder shared by several camera threads therefore serialises only its WeChat calls.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from importlib import resources
from pathlib import Path

import cv2
import numpy as np

from hardware.errors import ScannerError

MODEL_PACKAGE = "hardware.scanner.models.wechat"
MODEL_FILES = ("detect.prototxt", "detect.caffemodel", "sr.prototxt", "sr.caffemodel")


def wechat_available() -> bool:
    """Whether this cv2 has the contrib ``wechat_qrcode`` module (opencv-contrib 4.x)."""
    return hasattr(cv2, "wechat_qrcode_WeChatQRCode")


@contextmanager
def model_paths() -> Iterator[dict[str, Path]]:
    """File name -> path of the vendored model files (valid inside the ``with``); ``ScannerError``
    (reason ``reader-unavailable``) when one is missing."""
    with ExitStack() as stack:
        root = resources.files(MODEL_PACKAGE)
        paths = {name: Path(stack.enter_context(resources.as_file(root / name))) for name in MODEL_FILES}
        missing = [str(path) for path in paths.values() if not path.is_file()]
        if missing:
            raise ScannerError(f"WeChat QR model files missing: {missing}", reason="reader-unavailable")
        yield paths


class WeChatReader:
    """A ``FrameReader`` (frame -> texts) over one WeChatQRCode instance, thread-safe.

    Raises ``ScannerError`` (reason ``reader-unavailable``) when cv2 lacks the contrib module or
    the model files cannot be loaded. ``warm_up`` runs one detection on a blank frame.
    """

    __name__ = "wechat"

    def __init__(self, *, warm_up: bool = True):
        if not wechat_available():
            raise ScannerError(
                "cv2 has no wechat_qrcode: install opencv-contrib-python-headless 4.x "
                "(and not opencv-python-headless)",
                reason="reader-unavailable",
            )
        with model_paths() as paths:
            try:
                self._detector = cv2.wechat_qrcode_WeChatQRCode(*(str(paths[name]) for name in MODEL_FILES))
            except cv2.error as exc:
                raise ScannerError(
                    f"WeChat QR models did not load: {exc}", reason="reader-unavailable"
                ) from exc
        self._lock = threading.Lock()
        if warm_up:
            self.warm_up()

    def warm_up(self) -> None:
        """One detection on a blank frame: OpenCV's DNN sets up its layers on the first call."""
        self(np.full((240, 320), 255, np.uint8))

    def detect(self, frame: np.ndarray) -> tuple[list[str], list[np.ndarray]]:
        """The texts and, per text, the 4x2 float corner points of the code in ``frame``."""
        with self._lock:
            try:
                texts, points = self._detector.detectAndDecode(frame)
            except UnicodeDecodeError:  # the binding decodes payloads as strict UTF-8: binary data
                return [], []
        return list(texts), [np.asarray(p, dtype=np.float32).reshape(4, 2) for p in points]

    def __call__(self, frame: np.ndarray) -> list[str]:
        texts, _ = self.detect(frame)
        return [text for text in texts if text]
