"""Synthetic camera frames: QR codes rendered with segno, shown on a phone held toward a camera.

Everything is derived from a seed, so a frame that fails to read fails the same way every run.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import cv2
import numpy as np
import segno

QUIET_ZONE_MODULES = 4


def render_qr(text: str, *, scale: int = 8, border: int = QUIET_ZONE_MODULES) -> np.ndarray:
    """Render ``text`` as a plain QR (error level Q, no boost, never Micro QR) in BGR uint8.

    ``scale`` is pixels per module; the quiet zone is ``border`` modules of white.
    A pickup code (``AMB1`` + 26 base32 characters) comes out as version 3-Q.
    """
    if scale < 1:
        raise ValueError("scale must be >= 1")
    symbol = segno.make(text, error="q", boost_error=False, micro=False)
    modules = np.array([list(row) for row in symbol.matrix], dtype=np.uint8)
    gray = np.where(modules == 1, 0, 255).astype(np.uint8)
    gray = np.pad(gray, border, constant_values=255)
    gray = np.repeat(np.repeat(gray, scale, axis=0), scale, axis=1)
    return cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)


def phone_frame(
    text: str | np.ndarray,
    *,
    seed: int = 0,
    size: tuple[int, int] = (1280, 720),
    qr_px: tuple[int, int] = (120, 220),
) -> np.ndarray:
    """A ``size`` (width, height) BGR frame of a phone showing the QR for ``text``.

    ``text`` may instead be a QR image (BGR or gray array, e.g. the office's QR PNG decoded),
    which is then shown as it is, so the test exercises the office's own rendering.

    The phone (dark bezel, bright screen, QR with its quiet zone) is placed with a perspective
    warp: rotated in the image plane and tilted as if held toward the camera at an angle. The
    QR's side in the frame is drawn from ``qr_px`` before the tilt. Then a Gaussian blur (focus,
    motion) and sensor noise. All randomness comes from ``seed``.
    """
    rng = np.random.default_rng(seed)
    width, height = size
    frame = _background(rng, width, height)

    qr_side = int(rng.uniform(*qr_px))
    phone = _phone_image(text, qr_side, rng)
    ph, pw = phone.shape[:2]

    # Where the phone's corners land: a rotated rectangle of the same size, then each corner
    # pulled toward/away from the centre to fake a tilt (one edge nearer the camera than the other).
    angle = np.deg2rad(rng.uniform(-25, 25))
    tilt_x, tilt_y = rng.uniform(-0.12, 0.12, size=2)
    half = np.array([[-pw / 2, -ph / 2], [pw / 2, -ph / 2], [pw / 2, ph / 2], [-pw / 2, ph / 2]])
    # A tilt around the vertical axis makes one side shorter; around the horizontal axis, the top or bottom.
    scale_per_corner = 1 + np.array(
        [-tilt_x - tilt_y, tilt_x - tilt_y, tilt_x + tilt_y, -tilt_x + tilt_y], dtype=float
    )
    corners = half * scale_per_corner[:, None]
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    corners = corners @ rotation.T
    corners += rng.uniform(-0.02, 0.02, size=(4, 2)) * [pw, ph]  # hand jitter, no perfect parallels
    extent = np.abs(corners).max(axis=0) + 10
    centre = [
        rng.uniform(extent[0], max(extent[0] + 1, width - extent[0])),
        rng.uniform(extent[1], max(extent[1] + 1, height - extent[1])),
    ]
    destination = (corners + centre).astype(np.float32)
    source = np.array([[0, 0], [pw, 0], [pw, ph], [0, ph]], dtype=np.float32)
    warp = cv2.getPerspectiveTransform(source, destination)

    warped = cv2.warpPerspective(phone, warp, (width, height), flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.full((ph, pw), 255, np.uint8), warp, (width, height))
    frame = np.where(mask[:, :, None] > 127, warped, frame)

    sigma = rng.uniform(0.6, 1.4)
    frame = cv2.GaussianBlur(frame, (0, 0), sigma)
    noise = rng.normal(0, rng.uniform(3, 7), size=frame.shape)
    return np.clip(frame.astype(np.float32) + noise, 0, 255).astype(np.uint8)


def blank_frame(*, seed: int = 0, size: tuple[int, int] = (1280, 720)) -> np.ndarray:
    """A frame like ``phone_frame`` but with no code in it (the lane with no car)."""
    rng = np.random.default_rng(seed)
    frame = _background(rng, *size)
    noise = rng.normal(0, 5, size=frame.shape)
    return np.clip(frame.astype(np.float32) + noise, 0, 255).astype(np.uint8)


def write_video(frames: Iterable[np.ndarray], path: str | Path, fps: float = 10) -> Path:
    """Write BGR frames (all the same size) as Motion-JPEG in an AVI that VideoCapture reads back."""
    path = Path(path)
    writer = None
    try:
        for frame in frames:
            if writer is None:
                h, w = frame.shape[:2]
                writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (w, h))
                if not writer.isOpened():
                    raise RuntimeError(f"OpenCV cannot write MJPG video to {path}")
            writer.write(frame)
    finally:
        if writer is not None:
            writer.release()
    if writer is None:
        raise ValueError("write_video needs at least one frame")
    return path


def _background(rng: np.random.Generator, width: int, height: int) -> np.ndarray:
    """A dim, cluttered scene: a colour gradient with random boxes and lines (car, lane, sky)."""
    base = rng.uniform(40, 140, size=3)
    ramp = np.linspace(-30, 30, height, dtype=np.float32)[:, None, None]
    frame = np.clip(base[None, None, :] + ramp + np.zeros((height, width, 3), np.float32), 0, 255)
    frame = frame.astype(np.uint8)
    for _ in range(12):
        x1, x2 = sorted(rng.integers(0, width, size=2))
        y1, y2 = sorted(rng.integers(0, height, size=2))
        colour = tuple(int(c) for c in rng.integers(0, 200, size=3))
        cv2.rectangle(frame, (int(x1), int(y1)), (int(x2), int(y2)), colour, thickness=-1)
    for _ in range(20):
        p1 = tuple(int(v) for v in rng.integers(0, [width, height]))
        p2 = tuple(int(v) for v in rng.integers(0, [width, height]))
        colour = tuple(int(c) for c in rng.integers(0, 255, size=3))
        cv2.line(frame, p1, p2, colour, thickness=int(rng.integers(1, 6)))
    return frame


def _phone_image(text: str | np.ndarray, qr_side: int, rng: np.random.Generator) -> np.ndarray:
    """A phone seen face-on: dark bezel, a slightly tinted bright screen, the QR in its middle."""
    if isinstance(text, str):
        qr = render_qr(text, scale=8)
    else:
        qr = text if text.ndim == 3 else cv2.cvtColor(text, cv2.COLOR_GRAY2BGR)
    qr = cv2.resize(qr, (qr_side, qr_side), interpolation=cv2.INTER_AREA)
    screen_w = int(qr_side * 1.25)
    screen_h = int(screen_w * 2.0)
    screen_tint = rng.uniform(215, 255, size=3)
    screen = np.empty((screen_h, screen_w, 3), np.uint8)
    screen[:] = screen_tint.astype(np.uint8)
    # Screens are not pure white; darken the QR's white by the same tint.
    qr = (qr.astype(np.float32) * (screen_tint / 255.0)).astype(np.uint8)
    top = int(screen_h * 0.35) - qr_side // 2
    left = (screen_w - qr_side) // 2
    screen[top : top + qr_side, left : left + qr_side] = qr
    bezel = max(4, screen_w // 14)
    phone = np.full((screen_h + 2 * bezel, screen_w + 2 * bezel, 3), 20, np.uint8)
    phone[bezel : bezel + screen_h, bezel : bezel + screen_w] = screen
    return phone
