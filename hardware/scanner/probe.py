"""A probe of a camera for ``ambil doctor``: open the source the driver's way, read one frame."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hardware.scanner.capture_source import CaptureSource


@dataclass(frozen=True)
class CameraProbe:
    """``name`` is loggable (a stream password masked); ``problem`` is None when a frame came:
    ``missing`` (no such device), ``no-open`` (the source does not open) or ``no-frame``."""

    name: str
    problem: str | None = None
    width: int = 0
    height: int = 0


def probe_camera(source: str | int, *, timeout_seconds: float = 5.0) -> CameraProbe:
    """Raises ``ValueError`` for a source that cannot be parsed."""
    parsed = CaptureSource.parse(source)
    name = parsed.describe()
    if parsed.kind == "device" and isinstance(parsed.target, str) and not Path(parsed.target).exists():
        return CameraProbe(name, "missing")
    capture = parsed.open(timeout_seconds=timeout_seconds)
    if capture is None:
        return CameraProbe(name, "no-open")
    try:
        ok, frame = capture.read()
    finally:
        capture.release()
    if not ok or frame is None:
        return CameraProbe(name, "no-frame")
    height, width = frame.shape[:2]
    return CameraProbe(name, None, width, height)
