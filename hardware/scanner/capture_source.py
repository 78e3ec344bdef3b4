"""Parse a camera ``source`` setting and open it with OpenCV.

A source is a device index (``0`` or ``"0"``), a V4L2 device path (``/dev/video0``), a file
(image or video), or a stream URL (``http://`` MJPEG, ``rtsp://``, ...).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import cv2

log = logging.getLogger(__name__)

_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


@dataclass(frozen=True)
class CaptureSource:
    """Where frames come from; ``kind`` is ``device``, ``file`` or ``stream``."""

    target: str | int
    kind: str

    @classmethod
    def parse(cls, source: str | int) -> CaptureSource:
        if isinstance(source, bool):
            raise ValueError("camera source must be a device index, path or URL")
        if isinstance(source, int):
            return cls(source, "device")
        text = str(source).strip()
        if not text:
            raise ValueError("camera source is empty")
        if text.isdigit():
            return cls(int(text), "device")
        if _URL.match(text):
            return cls(text, "stream")
        if text.startswith("/dev/"):
            return cls(text, "device")
        return cls(text, "file")

    @property
    def is_file(self) -> bool:
        return self.kind == "file"

    def describe(self) -> str:
        """A loggable name: URL credentials (``rtsp://user:pass@cam``) are masked."""
        if self.kind != "stream":
            return str(self.target)
        parts = urlsplit(str(self.target))
        if parts.username is None and parts.password is None:
            return str(self.target)
        host = parts.hostname or ""
        if parts.port:
            host = f"{host}:{parts.port}"
        return urlunsplit((parts.scheme, f"***@{host}", parts.path, parts.query, parts.fragment))

    def open(
        self,
        *,
        width: int | None = None,
        height: int | None = None,
        timeout_seconds: float = 5.0,
        exposure: float | None = None,
        auto_exposure: bool | None = None,
    ) -> cv2.VideoCapture | None:
        """Open the source; None when it cannot be opened (missing file, no device, no server).

        ``auto_exposure`` and ``exposure`` (in the driver's units; V4L2: 100 us steps) are set
        where the backend supports them; where not, that is logged and the camera runs as is.
        """
        if self.is_file and not Path(str(self.target)).is_file():
            return None  # avoids FFmpeg's noise for a file that is not there (yet)
        timeout_ms = int(timeout_seconds * 1000)
        if self.kind == "device":
            capture = cv2.VideoCapture(self.target, cv2.CAP_ANY)
        else:
            # FFmpeg reads video files, still images (as one frame) and network streams alike;
            # its own timeouts default to 30 s, too long for a lane that should say "camera gone".
            params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, timeout_ms, cv2.CAP_PROP_READ_TIMEOUT_MSEC, timeout_ms]
            capture = cv2.VideoCapture(self.target, cv2.CAP_FFMPEG, params)
        if not capture.isOpened():
            capture.release()
            return None
        if width:
            capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        if height:
            capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        # Keep at most one frame queued so we decode what the camera sees now, not a second ago.
        # Backends that do not support it (FFmpeg) return False; nothing else to do there.
        if not capture.set(cv2.CAP_PROP_BUFFERSIZE, 1):
            log.debug("camera %s: buffer size not settable", self.describe())
        self._apply_exposure(capture, exposure=exposure, auto_exposure=auto_exposure)
        return capture

    def _apply_exposure(
        self, capture: cv2.VideoCapture, *, exposure: float | None, auto_exposure: bool | None
    ) -> None:
        if exposure is not None and auto_exposure is None:
            auto_exposure = False  # a fixed exposure only holds with auto exposure off
        if auto_exposure is not None:
            # V4L2 takes its own enum here (OpenCV passes it through): 1 = manual,
            # 3 = aperture priority, the "auto" mode UVC cameras implement.
            mode = _V4L2_EXPOSURE_AUTO if auto_exposure else _V4L2_EXPOSURE_MANUAL
            if not capture.set(cv2.CAP_PROP_AUTO_EXPOSURE, mode):
                log.info("camera %s: auto exposure not settable on this source", self.describe())
        if exposure is not None and not capture.set(cv2.CAP_PROP_EXPOSURE, exposure):
            log.info("camera %s: exposure not settable on this source", self.describe())


_V4L2_EXPOSURE_MANUAL = 1
_V4L2_EXPOSURE_AUTO = 3
