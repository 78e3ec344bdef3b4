"""The hard lane-frame set of ``ambil bench reader --hard-frames N`` (issue 14).

The easy set (``lane_frames``) is read by raw zxing-cpp 99% of the time; this one is what a
drive-thru camera also sees: specular glare and the sky mirrored in a phone screen, moire between
the screen's pixels and the sensor's, a moving hand, a code 1.5-2 m away out of focus, night
(little light, high gain, infrared), codes only 60-120 px wide, crumpled and curved paper slips,
a thumb over a corner, a cracked screen. Strengths are calibrated so raw zxing-cpp reads 75-90%
of the code frames (docs/benchmarks.md has the figures). Every frame comes from (seed, index)
alone, and as many frames hold no code (a scene, a phone with an app, a slip with text, with
the same effects), to count false reads.
"""

from __future__ import annotations

from collections.abc import Iterator

import cv2
import numpy as np

from web.cli.bench import frame_effects as fx
from web.cli.bench.lane_frames import QUIET_ZONE_MODULES, LaneFrame, pickup_code_from, render_qr

SIZE = (1280, 720)
CODE_VARIANTS = (
    "glare",
    "sky",
    "moire",
    "motion",
    "defocus",
    "night",
    "small",
    "crumpled",
    "thumb",
    "cracked",
)
EMPTY_VARIANTS = ("empty-scene", "empty-phone", "empty-slip")
MODULES = 29  # a pickup code is a version 3 symbol
# the symbol's width in the frame (quiet zone not included), per variant
SYMBOL_PX = {"small": (60, 120), "defocus": (70, 130)}
DEFAULT_SYMBOL_PX = (80, 200)


def hard_frame_set(code_frames: int = 300, *, seed: int = 11) -> Iterator[LaneFrame]:
    """``code_frames`` frames with a pickup code (the variants in turn), alternating with as many
    without one; rendered one at a time."""
    for index in range(2 * code_frames):
        yield hard_frame(index, seed=seed)


def hard_frame(index: int, *, seed: int = 11) -> LaneFrame:
    """Frame ``index`` of the hard set (even: a code, odd: none)."""
    rng = np.random.default_rng([seed, index, 14])
    if index % 2:
        variant = EMPTY_VARIANTS[(index // 2) % len(EMPTY_VARIANTS)]
        return LaneFrame(index, variant, None, _empty_frame(variant, rng))
    variant = CODE_VARIANTS[(index // 2) % len(CODE_VARIANTS)]
    code = pickup_code_from(rng)
    return LaneFrame(index, variant, code, _code_frame(variant, code, rng))


# -- composing a frame --------------------------------------------------------------------------


def _code_frame(variant: str, code: str, rng: np.random.Generator) -> np.ndarray:
    symbol_px = rng.uniform(*SYMBOL_PX.get(variant, DEFAULT_SYMBOL_PX))
    qr_side = int(round(symbol_px * (MODULES + 2 * QUIET_ZONE_MODULES) / MODULES))
    qr = render_qr(code, scale=8)
    on_slip = variant == "crumpled" or (variant in ("thumb", "small", "defocus") and rng.random() < 0.4)
    if on_slip:
        face, box = _slip_face(qr, qr_side, rng)
    else:
        face, box = _phone_face(qr, qr_side, rng, inverted=rng.random() < 0.15)
    if variant == "glare":
        face = fx.glare_blobs(face, rng, strength=rng.uniform(0.5, 1.0))
    elif variant == "sky":
        face = fx.sky_reflection(face, rng, alpha=rng.uniform(0.68, 0.84))
    elif variant == "thumb":
        face = fx.thumb_over_corner(face, box, rng, cover=rng.uniform(0.2, 0.34))
    elif variant == "cracked":
        face = fx.cracked_screen(face, rng, cracks=int(rng.integers(2, 6)))
    elif variant == "crumpled":
        face = fx.crumple(face, rng, amount=rng.uniform(0.8, 1.6))
    frame, mask = _place(face, rng)
    if variant == "motion":
        frame = fx.motion_blur(frame, rng, length=rng.uniform(4, 9))
    elif variant == "defocus":
        frame = fx.defocus(frame, radius=rng.uniform(1.6, 2.6))
    elif variant == "moire":
        frame = fx.moire(frame, mask, rng, depth=rng.uniform(0.45, 0.75))
    elif variant == "night":
        frame = fx.night(frame, rng, light=rng.uniform(0.05, 0.12), infrared=rng.random() < 0.4)
    return _camera(frame, rng)


def _empty_frame(variant: str, rng: np.random.Generator) -> np.ndarray:
    if variant == "empty-scene":
        frame = _background(rng)
    else:
        face = _phone_face(_app_screen(rng), 220, rng)[0] if variant == "empty-phone" else _text_slip(rng)
        if rng.random() < 0.5:
            face = fx.glare_blobs(face, rng) if rng.random() < 0.5 else fx.cracked_screen(face, rng)
        frame, mask = _place(face, rng)
        if rng.random() < 0.3:
            frame = fx.moire(frame, mask, rng)
    roll = rng.random()
    if roll < 0.25:
        frame = fx.night(frame, rng, light=rng.uniform(0.05, 0.12), infrared=rng.random() < 0.4)
    elif roll < 0.5:
        frame = fx.motion_blur(frame, rng, length=rng.uniform(6, 12))
    return _camera(frame, rng)


def _camera(frame: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """What every frame gets: a little lens blur and sensor noise."""
    frame = cv2.GaussianBlur(frame, (0, 0), rng.uniform(0.5, 0.9))
    return fx.sensor_noise(frame, rng, std=rng.uniform(2, 5))


def _place(face: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Put the face-on phone or slip into a scene, rotated and tilted; the frame and its mask."""
    width, height = SIZE
    frame = _background(rng)
    fh, fw = face.shape[:2]
    angle = np.deg2rad(rng.uniform(-30, 30))
    tilt_x, tilt_y = rng.uniform(-0.15, 0.15, size=2)
    half = np.array([[-fw / 2, -fh / 2], [fw / 2, -fh / 2], [fw / 2, fh / 2], [-fw / 2, fh / 2]])
    per_corner = 1 + np.array([-tilt_x - tilt_y, tilt_x - tilt_y, tilt_x + tilt_y, -tilt_x + tilt_y])
    corners = half * per_corner[:, None]
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    corners = corners @ rotation.T + rng.uniform(-0.02, 0.02, size=(4, 2)) * [fw, fh]
    extent = np.abs(corners).max(axis=0) + 10
    centre = [
        rng.uniform(extent[0], max(extent[0] + 1, width - extent[0])),
        rng.uniform(extent[1], max(extent[1] + 1, height - extent[1])),
    ]
    source = np.array([[0, 0], [fw, 0], [fw, fh], [0, fh]], np.float32)
    warp = cv2.getPerspectiveTransform(source, (corners + centre).astype(np.float32))
    warped = cv2.warpPerspective(face, warp, (width, height), flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.full((fh, fw), 255, np.uint8), warp, (width, height))
    return np.where(mask[:, :, None] > 127, warped, frame), mask


def _phone_face(
    content: np.ndarray, qr_side: int, rng: np.random.Generator, *, inverted: bool = False
) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """A phone face-on (bezel, tinted screen, ``content`` in the upper middle) and the content's box."""
    content = cv2.resize(content, (qr_side, qr_side), interpolation=cv2.INTER_AREA)
    screen_w = int(qr_side * 1.3)
    screen_h = int(screen_w * 2.0)
    tint = rng.uniform(200, 250, size=3)
    content = (content.astype(np.float32) * (tint / 255.0)).astype(np.uint8)
    screen = np.empty((screen_h, screen_w, 3), np.uint8)
    screen[:] = tint.astype(np.uint8)
    if inverted:  # dark mode
        screen[:] = (255 - tint).astype(np.uint8)
        content = (255 - content).astype(np.uint8)
    top, left = int(screen_h * 0.35) - qr_side // 2, (screen_w - qr_side) // 2
    screen[top : top + qr_side, left : left + qr_side] = content
    bezel = max(4, screen_w // 14)
    face = np.full((screen_h + 2 * bezel, screen_w + 2 * bezel, 3), 20, np.uint8)
    face[bezel : bezel + screen_h, bezel : bezel + screen_w] = screen
    x0, y0 = bezel + left, bezel + top
    return face, (x0, y0, x0 + qr_side, y0 + qr_side)


def _slip_face(
    qr: np.ndarray, qr_side: int, rng: np.random.Generator
) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """An A6 paper slip with the code printed in dark grey on off-white paper, and the code's box."""
    slip_w = int(qr_side * 1.6)
    slip = _text_slip(rng, width=slip_w)
    ink, paper = rng.uniform(25, 70), rng.uniform(200, 240)
    printed = np.where(qr < 128, ink, paper).astype(np.uint8)
    printed = cv2.resize(printed, (qr_side, qr_side), interpolation=cv2.INTER_AREA)
    top, left = int(slip.shape[0] * 0.12), (slip_w - qr_side) // 2
    slip[top : top + qr_side, left : left + qr_side] = printed
    return slip, (left, top, left + qr_side, top + qr_side)


def _text_slip(rng: np.random.Generator, *, width: int = 240) -> np.ndarray:
    """A paper slip with lines of print on it (and no code)."""
    height = int(width * 1.41)
    slip = np.full((height, width, 3), rng.uniform(200, 240), np.uint8)
    y = int(height * 0.6)
    while y < height - 12:
        line_h = int(rng.integers(3, 8))
        cv2.rectangle(
            slip, (8, y), (8 + int(rng.integers(width // 3, width - 16)), y + line_h), (60, 60, 60), -1
        )
        y += line_h + int(rng.integers(4, 10))
    return slip


def _app_screen(rng: np.random.Generator) -> np.ndarray:
    """A phone screen with no code: text lines, a picture and a grid of icons."""
    screen = np.full((240, 240, 3), 245, np.uint8)
    y = 10
    while y < 150:
        line_h = int(rng.integers(4, 14))
        shade = int(rng.integers(0, 160))
        cv2.rectangle(screen, (10, y), (10 + int(rng.integers(60, 220)), y + line_h), (shade,) * 3, -1)
        y += line_h + int(rng.integers(4, 16))
    for col in range(4):  # icons: dark squares with a light core, finder-like clutter
        x = 15 + col * 55
        cv2.rectangle(screen, (x, 170), (x + 40, 210), (40, 40, 40), -1)
        cv2.rectangle(screen, (x + 10, 180), (x + 30, 200), (230, 230, 230), -1)
    return screen


def _background(rng: np.random.Generator) -> np.ndarray:
    """A cluttered scene behind the phone: a gradient with boxes and lines (car, lane, sky)."""
    width, height = SIZE
    base = rng.uniform(40, 150, size=3)
    ramp = np.linspace(-35, 35, height, dtype=np.float32)[:, None, None]
    frame = np.clip(base[None, None, :] + ramp + np.zeros((height, width, 3), np.float32), 0, 255)
    frame = frame.astype(np.uint8)
    for _ in range(12):
        x1, x2 = sorted(int(v) for v in rng.integers(0, width, size=2))
        y1, y2 = sorted(int(v) for v in rng.integers(0, height, size=2))
        cv2.rectangle(frame, (x1, y1), (x2, y2), tuple(int(c) for c in rng.integers(0, 200, size=3)), -1)
    for _ in range(20):
        p1 = tuple(int(v) for v in rng.integers(0, [width, height]))
        p2 = tuple(int(v) for v in rng.integers(0, [width, height]))
        cv2.line(frame, p1, p2, tuple(int(c) for c in rng.integers(0, 255, size=3)), int(rng.integers(1, 6)))
    return frame
