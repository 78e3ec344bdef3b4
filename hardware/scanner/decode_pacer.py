"""Decide which live camera frames are worth decoding: the idle-CPU policy of the camera.

- At most ``fps_cap`` decodes a second while the lane is active.
- A frame that did not change since the last decoded one is skipped (mean absolute difference
  of a small grayscale thumbnail below ``change_threshold`` grey levels), but a frame is decoded
  at least every ``redecode_seconds`` anyway: a code held perfectly still still reads.
- No code read and no motion for ``idle_after`` seconds: frames are only looked at ``idle_fps``
  times a second. A noticeable change (motion) or a read code goes back to full rate at once.

The pacer only decides; it holds no device and takes the clock (``now``, monotonic seconds)
as an argument, so its rules are easy to check.
"""

from __future__ import annotations

import cv2
import numpy as np

# Thumbnail for the change check: 8x8 pixel averaging over 1280x720 also averages sensor noise
# away (std 5 -> ~0.6), so a static scene reads as unchanged while a hand or a car does not.
THUMBNAIL_SIZE = (160, 90)


class DecodePacer:
    """The decode policy of one camera; see the module docstring."""

    def __init__(
        self,
        *,
        fps_cap: float,
        idle_fps: float = 2.0,
        idle_after: float = 10.0,
        change_threshold: float = 2.0,
        redecode_seconds: float = 1.0,
        now: float = 0.0,
    ):
        if fps_cap <= 0 or idle_fps <= 0:
            raise ValueError("fps_cap and idle_fps must be > 0")
        if idle_after < 0 or change_threshold < 0 or redecode_seconds <= 0:
            raise ValueError("idle_after, change_threshold must be >= 0 and redecode_seconds > 0")
        self.fps_cap = fps_cap
        self.idle_fps = min(idle_fps, fps_cap)
        self.idle_after = idle_after
        self.change_threshold = change_threshold
        self.redecode_seconds = redecode_seconds
        self._last_activity = now
        self._last_decode = float("-inf")
        self._reference: np.ndarray | None = None
        self.last_difference: float | None = None

    def is_idle(self, now: float) -> bool:
        return now - self._last_activity >= self.idle_after

    def interval(self, now: float) -> float:
        """Seconds until the next frame should be looked at."""
        return 1.0 / (self.idle_fps if self.is_idle(now) else self.fps_cap)

    def wake(self, now: float) -> None:
        """Something happened (a code was read, the vehicle sensor fired): full rate again."""
        self._last_activity = now

    def should_decode(self, gray: np.ndarray, now: float) -> bool:
        """Whether to decode this grayscale frame; remembers it as the reference when so."""
        thumbnail = cv2.resize(gray, THUMBNAIL_SIZE, interpolation=cv2.INTER_AREA)
        changed = True
        if self._reference is not None:
            self.last_difference = float(cv2.absdiff(thumbnail, self._reference).mean())
            changed = self.last_difference >= self.change_threshold
        if changed:
            self.wake(now)
        elif now - self._last_decode < self.redecode_seconds:
            return False
        self._reference = thumbnail
        self._last_decode = now
        return True
