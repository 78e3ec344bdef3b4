"""Synthetic lane camera frames: a pickup QR (rendered with segno) on a phone held toward the camera.

Everything is derived from a seed, so a frame that fails to read fails the same way every run.
``phone_frame`` and ``blank_frame`` are the basic scenes (the tests use them); ``lane_frame_set``
is the reader benchmark's set: code-bearing frames in several conditions (plain, blur, noise,
glare, low light, inverted / dark mode) and as many frames with no code.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
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
    inverted: bool = False,
    glare: float = 0.0,
    blur_sigma: tuple[float, float] = (0.6, 1.4),
    noise_std: tuple[float, float] = (3, 7),
) -> np.ndarray:
    """A ``size`` (width, height) BGR frame of a phone showing the QR for ``text``.

    ``text`` may instead be a QR image (BGR or gray array, e.g. the office's QR PNG decoded),
    which is then shown as it is, so the test exercises the office's own rendering.

    The phone (dark bezel, bright screen, QR with its quiet zone) is placed with a perspective
    warp: rotated in the image plane and tilted as if held toward the camera at an angle. The
    QR's side in the frame is drawn from ``qr_px`` before the tilt. Then a Gaussian blur (focus,
    motion) and sensor noise. All randomness comes from ``seed``. ``inverted``: dark mode, a
    light-on-dark code on a dark screen. ``glare`` (0-1): how strong a reflection washes over
    part of the code. ``blur_sigma`` and ``noise_std`` are the ranges the blur
    and the noise are drawn from.
    """
    rng = np.random.default_rng(seed)
    width, height = size
    frame = _background(rng, width, height)

    qr_side = int(rng.uniform(*qr_px))
    phone = _phone_image(text, qr_side, rng, inverted=inverted, glare=glare)
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

    sigma = rng.uniform(*blur_sigma)
    frame = cv2.GaussianBlur(frame, (0, 0), sigma)
    noise = rng.normal(0, rng.uniform(*noise_std), size=frame.shape)
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


def _phone_image(
    text: str | np.ndarray,
    qr_side: int,
    rng: np.random.Generator,
    *,
    inverted: bool = False,
    glare: float = 0.0,
) -> np.ndarray:
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
    if glare > 0:  # a reflection on the glass: a bright soft spot washing out part of the code
        qr = _add_glare(qr, glare, rng)
    if inverted:  # dark mode: a near-black screen, light modules
        screen[:] = (255 - screen_tint).astype(np.uint8)
        qr = (255 - qr).astype(np.uint8)
    top = int(screen_h * 0.35) - qr_side // 2
    left = (screen_w - qr_side) // 2
    screen[top : top + qr_side, left : left + qr_side] = qr
    bezel = max(4, screen_w // 14)
    phone = np.full((screen_h + 2 * bezel, screen_w + 2 * bezel, 3), 20, np.uint8)
    phone[bezel : bezel + screen_h, bezel : bezel + screen_w] = screen
    return phone


def _add_glare(qr: np.ndarray, strength: float, rng: np.random.Generator) -> np.ndarray:
    side = qr.shape[0]
    yy, xx = np.mgrid[0:side, 0:side].astype(np.float32)
    cx, cy = rng.uniform(0.2, 0.8, size=2) * side
    radius = rng.uniform(0.25, 0.4) * side
    spot = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * radius**2)) * strength * 255
    return np.clip(qr.astype(np.float32) + spot[:, :, None], 0, 255).astype(np.uint8)


# -- the reader benchmark's frame set ---------------------------------------------------------

CODE_VARIANTS = ("plain", "blur", "noise", "glare", "low-light", "inverted")
EMPTY_VARIANTS = ("empty-scene", "empty-phone")
QR_WIDTH_PX = (100, 250)  # the symbol's width in the frame (issue 7), quiet zone not included
# phone_frame sizes the QR image, quiet zone included: 4 + 29 + 4 modules for version 3
QR_IMAGE_PX = tuple(round(w * (29 + 2 * QUIET_ZONE_MODULES) / 29) for w in QR_WIDTH_PX)


@dataclass(frozen=True)
class LaneFrame:
    """One benchmark frame: its variant, the code it shows (None: no code) and the BGR image."""

    index: int
    variant: str
    expected: str | None
    image: np.ndarray


def pickup_code_from(rng: np.random.Generator) -> str:
    """A pickup code as the office makes them (AMB1 + base32 of 16 random bytes)."""
    return "AMB1" + base64.b32encode(rng.bytes(16)).decode("ascii").rstrip("=")


def lane_frame_set(code_frames: int = 600, *, seed: int = 7) -> Iterator[LaneFrame]:
    """``code_frames`` frames with a pickup code (the variants in turn) and as many without.

    Frames are rendered one at a time (a 1280x720 frame is 2.7 MB; a set is not kept in memory).
    Frame ``i`` depends only on ``seed`` and ``i``. Code-bearing and empty frames alternate.
    """
    for index in range(2 * code_frames):
        yield lane_frame(index, seed=seed)


def lane_frame(index: int, *, seed: int = 7) -> LaneFrame:
    """Frame ``index`` of the benchmark set (even: a code, odd: no code)."""
    rng = np.random.default_rng([seed, index])
    frame_seed = int(rng.integers(0, 2**31))
    if index % 2:
        variant = EMPTY_VARIANTS[(index // 2) % len(EMPTY_VARIANTS)]
        if variant == "empty-scene":
            return LaneFrame(index, variant, None, blank_frame(seed=frame_seed))
        screen = _app_screen(rng)
        return LaneFrame(index, variant, None, phone_frame(screen, seed=frame_seed, qr_px=QR_IMAGE_PX))
    variant = CODE_VARIANTS[(index // 2) % len(CODE_VARIANTS)]
    code = pickup_code_from(rng)
    options: dict = {"seed": frame_seed, "qr_px": QR_IMAGE_PX}
    if variant == "blur":
        options["blur_sigma"] = (1.2, 1.8)
    elif variant == "noise":
        options["noise_std"] = (10, 16)
    elif variant == "glare":
        options["glare"] = float(rng.uniform(0.6, 0.9))
    elif variant == "inverted":
        options["inverted"] = True
    image = phone_frame(code, **options)
    if variant == "low-light":  # dusk, no lane lights: a quarter of the light, more sensor noise
        dim = image.astype(np.float32) * rng.uniform(0.2, 0.35)
        dim += rng.normal(0, rng.uniform(2, 4), size=image.shape)
        image = np.clip(dim, 0, 255).astype(np.uint8)
    return LaneFrame(index, variant, code, image)


def _app_screen(rng: np.random.Generator) -> np.ndarray:
    """A phone screen with no code: an app page of text lines, a picture and buttons."""
    screen = np.full((240, 240, 3), 245, np.uint8)
    y = 10
    while y < 220:
        height = int(rng.integers(4, 14))
        width = int(rng.integers(60, 220))
        shade = int(rng.integers(0, 160))
        cv2.rectangle(screen, (10, y), (10 + width, y + height), (shade, shade, shade), -1)
        y += height + int(rng.integers(4, 16))
    x, y = (int(v) for v in rng.integers(20, 140, size=2))
    cv2.rectangle(screen, (x, y), (x + 80, y + 60), tuple(int(c) for c in rng.integers(0, 255, 3)), -1)
    return screen
