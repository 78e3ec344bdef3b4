"""What a lane camera does to a code, as image effects for the hard lane-frame set (``hard_frames``).

Each effect takes a uint8 BGR image and a ``numpy`` Generator (all randomness comes from it) and
returns a new image. Surface effects (glare, sky, crack, thumb, crumple) act on the phone or the
slip seen face-on, before it is placed in the scene; optical and sensor effects (motion blur,
defocus, moire, night) act on the whole frame, as the lens and the sensor do.
"""

from __future__ import annotations

import cv2
import numpy as np


def _clip(image: np.ndarray) -> np.ndarray:
    return np.clip(image, 0, 255).astype(np.uint8)


# -- surface effects (face-on) ----------------------------------------------------------------


def glare_blobs(face: np.ndarray, rng: np.random.Generator, *, strength: float = 1.0) -> np.ndarray:
    """1-3 specular highlights of a lamp on glass: a saturated core with a soft halo."""
    h, w = face.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    light = np.zeros((h, w), np.float32)
    for _ in range(int(rng.integers(1, 4))):
        cx, cy = rng.uniform(0.15, 0.85) * w, rng.uniform(0.15, 0.6) * h
        rx, ry = rng.uniform(0.06, 0.16) * w * strength, rng.uniform(0.04, 0.12) * w * strength
        d2 = ((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2
        light += 320 * np.exp(-d2 * 1.5) + 90 * np.exp(-d2 / 6)
    return _clip(face.astype(np.float32) + light[:, :, None])


def sky_reflection(face: np.ndarray, rng: np.random.Generator, *, alpha: float = 0.5) -> np.ndarray:
    """The sky and a roof line mirrored in the screen: a bright gradient that eats the contrast."""
    h, w = face.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    angle = rng.uniform(0, np.pi)
    ramp = (np.cos(angle) * xx + np.sin(angle) * yy) / max(h, w)
    sky = 170 + 85 * np.clip(ramp - ramp.min(), 0, 1)
    # a dark edge (a roof, a tree line) across the reflection
    edge = rng.uniform(0.3, 0.8) * h + (xx - w / 2) * rng.uniform(-0.4, 0.4)
    sky = np.where(yy > edge, sky * rng.uniform(0.35, 0.6), sky)
    sky = cv2.GaussianBlur(sky, (0, 0), 3)
    tint = rng.uniform(0.85, 1.0, size=3).astype(np.float32)
    reflection = sky[:, :, None] * tint
    return _clip(face.astype(np.float32) * (1 - alpha) + reflection * alpha + face * alpha * 0.25)


def thumb_over_corner(
    face: np.ndarray, qr_box: tuple[int, int, int, int], rng: np.random.Generator, *, cover: float = 0.2
) -> np.ndarray:
    """A thumb over one corner of the code: a skin-coloured ellipse with a shadowed edge."""
    x0, y0, x1, y1 = qr_box
    side = x1 - x0
    out = face.copy()
    corner = int(rng.integers(0, 4))
    cx = x0 if corner in (0, 3) else x1
    cy = y0 if corner in (0, 1) else y1
    # the thumb comes from outside the code, reaching ``cover`` of its side inwards
    direction = np.array([1 if cx == x0 else -1, 1 if cy == y0 else -1], np.float32)
    reach = cover * side
    centre = np.array([cx, cy], np.float32) - direction * (0.55 * side) + direction * reach
    axes = (int(side * 0.35), int(side * 0.55))
    angle = float(np.degrees(np.arctan2(direction[1], direction[0]))) + rng.uniform(-20, 20)
    shadow = np.zeros(face.shape[:2], np.uint8)
    cv2.ellipse(shadow, tuple(int(v) for v in centre), (axes[0] + 6, axes[1] + 6), angle, 0, 360, 255, -1)
    shadow = cv2.GaussianBlur(shadow, (0, 0), 4).astype(np.float32) / 255
    out = _clip(out.astype(np.float32) * (1 - 0.5 * shadow[:, :, None]))
    skin = tuple(int(c) for c in rng.uniform([90, 120, 170], [130, 160, 220]))  # BGR
    cv2.ellipse(out, tuple(int(v) for v in centre), axes, angle, 0, 360, skin, -1)
    return out


def cracked_screen(face: np.ndarray, rng: np.random.Generator, *, cracks: int = 6) -> np.ndarray:
    """A cracked screen glass: bright and dark thin lines radiating from an impact point."""
    h, w = face.shape[:2]
    out = face.copy()
    origin = np.array([rng.uniform(0.2, 0.8) * w, rng.uniform(0.15, 0.6) * h])
    for _ in range(cracks):
        point = origin.copy()
        heading = rng.uniform(0, 2 * np.pi)
        for _ in range(int(rng.integers(4, 10))):
            heading += rng.normal(0, 0.35)
            step = rng.uniform(0.04, 0.12) * w
            nxt = point + step * np.array([np.cos(heading), np.sin(heading)])
            colour = (250, 250, 250) if rng.random() < 0.5 else (30, 30, 30)
            p1, p2 = tuple(int(v) for v in point), tuple(int(v) for v in nxt)
            cv2.line(out, p1, p2, colour, int(rng.integers(1, 3)), cv2.LINE_AA)
            point = nxt
    # the shattered area around the impact refracts: shift it by a pixel or two
    shift = np.float32([[1, 0, rng.uniform(-2, 2)], [0, 1, rng.uniform(-2, 2)]])
    moved = cv2.warpAffine(out, shift, (w, h), borderMode=cv2.BORDER_REPLICATE)
    mask = np.zeros((h, w), np.uint8)
    cv2.circle(mask, tuple(int(v) for v in origin), int(0.12 * w), 255, -1)
    return np.where(mask[:, :, None] > 0, moved, out)


def crumple(face: np.ndarray, rng: np.random.Generator, *, amount: float = 1.0) -> np.ndarray:
    """A crumpled, curved paper slip: a smooth displacement field plus the shading of its folds."""
    h, w = face.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    # curvature: the slip bends around one axis as a held sheet does
    bend = amount * rng.uniform(0.01, 0.03) * w * np.sin(np.pi * xx / w + rng.uniform(-0.3, 0.3))
    # creases: a coarse random field, smoothed, as displacement and as shading
    coarse = rng.normal(0, 1, size=(6, 6, 2)).astype(np.float32)
    field = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC) * amount * 0.004 * w
    map_x = xx + field[:, :, 0]
    map_y = yy + field[:, :, 1] + bend
    warped = cv2.remap(face, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    gy, gx = np.gradient(field[:, :, 0] + field[:, :, 1])
    shade = 1 + np.clip((gx - gy) * 1.2, -0.35, 0.25)
    return _clip(warped.astype(np.float32) * shade[:, :, None])


# -- optical and sensor effects (the whole frame) ---------------------------------------------


def motion_blur(frame: np.ndarray, rng: np.random.Generator, *, length: float = 9.0) -> np.ndarray:
    """A hand moving during the exposure: a line kernel ``length`` px long at a random angle."""
    size = int(np.ceil(length)) | 1
    kernel = np.zeros((size, size), np.float32)
    angle = rng.uniform(0, np.pi)
    c = size // 2
    dx, dy = np.cos(angle) * length / 2, np.sin(angle) * length / 2
    cv2.line(
        kernel, (int(round(c - dx)), int(round(c - dy))), (int(round(c + dx)), int(round(c + dy))), 1.0, 1
    )
    kernel /= kernel.sum()
    return cv2.filter2D(frame, -1, kernel)


def defocus(frame: np.ndarray, *, radius: float = 2.5) -> np.ndarray:
    """Out of focus (a code held 1.5-2 m away with the lens focused nearer): a disc kernel."""
    size = int(np.ceil(radius)) * 2 + 1
    kernel = np.zeros((size, size), np.float32)
    cv2.circle(kernel, (size // 2, size // 2), int(round(radius)), 1.0, -1, cv2.LINE_AA)
    kernel /= kernel.sum()
    return cv2.filter2D(frame, -1, kernel)


def moire(frame: np.ndarray, mask: np.ndarray, rng: np.random.Generator, *, depth: float = 0.3) -> np.ndarray:
    """The screen's pixel grid beating with the sensor's: two fine gratings whose difference shows
    as broad bands, only where the screen is (``mask`` > 0)."""
    h, w = frame.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    f1, f2 = rng.uniform(0.42, 0.49), rng.uniform(0.42, 0.49)
    tilt = rng.uniform(-0.05, 0.05)
    grating = np.cos(2 * np.pi * (f1 * xx + tilt * yy)) * np.cos(2 * np.pi * (f2 * yy - tilt * xx))
    bands = np.cos(2 * np.pi * (rng.uniform(0.01, 0.03) * xx + rng.uniform(0.01, 0.03) * yy))
    gain = 1 - depth * (0.5 + 0.25 * grating + 0.25 * bands)
    gain = np.where(mask > 0, gain, 1.0).astype(np.float32)
    return _clip(frame.astype(np.float32) * gain[:, :, None])


def night(
    frame: np.ndarray, rng: np.random.Generator, *, light: float = 0.12, infrared: bool = False
) -> np.ndarray:
    """Night: little light, the camera's gain pulled up, so shot and read noise show.

    ``infrared``: an IR-lit monochrome image, where a phone screen shows little contrast.
    """
    image = frame.astype(np.float32)
    if infrared:
        gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY).astype(np.float32)
        image = np.repeat((60 + 0.45 * gray)[:, :, None], 3, axis=2)
    signal = image * light
    shot = rng.normal(0, 1, size=image.shape).astype(np.float32) * np.sqrt(np.maximum(signal, 0) * 0.6)
    read = rng.normal(0, rng.uniform(1.0, 2.0), size=image.shape).astype(np.float32)
    gain = rng.uniform(2.5, 4.0)
    return _clip((signal + shot + read) * gain)


def sensor_noise(frame: np.ndarray, rng: np.random.Generator, *, std: float = 4.0) -> np.ndarray:
    """Plain Gaussian sensor noise (every frame has some)."""
    return _clip(frame.astype(np.float32) + rng.normal(0, std, size=frame.shape).astype(np.float32))
