"""The time budget of one frame, and what the decoder knows about a frame while it decodes it.

The cascade's later passes cost from a millisecond (a retry on a small region) to a hundred (a
CNN on a hard photo). A pass is started only when what is left of the frame's budget covers what
that kind of pass recently cost (``PassCosts``: the slowest of the last few), so a frame does not
overrun its budget by more than one pass that ran slower than any of its recent kind. A kind that
is refused slowly forgets its slowest runs, so it is tried again once in a while instead of
being locked out for good by one slow frame.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from hardware.scanner.confirm import Confirmation

if TYPE_CHECKING:  # this module stays light: the config imports its defaults
    from hardware.scanner.readers import Box

# The default time budget of one frame: 4x raw zxing-cpp's p95 on the hard 1280x720 lane frames
# of ``ambil bench reader`` (6 ms on the x86 VM of docs/benchmarks.md). On a slower machine set
# ``lane.scanner.decode_budget_ms`` from that machine's figures.
DEFAULT_BUDGET_MS = 24.0
# The budget is for a camera frame of this size; larger frames and photos get proportionally more.
REFERENCE_PIXELS = 1280 * 720
# A small still image (a photo, an upload; ``readers.SMALL_FRAME_PIXELS``) gets this many times
# the budget: each of its passes is cheap, and it is read once, not ten times a second.
SMALL_IMAGE_FACTOR = 4.0
# Frames with no sign of a code get the costly stage at most once in this many.
DEFAULT_IDLE_COSTLY_EVERY = 10
RECENT = 16  # how many durations of each kind of pass are remembered


def budget_seconds(budget_ms: float | None, pixels: int, *, small_pixels: int) -> float | None:
    """The budget of one frame of ``pixels`` (see ``REFERENCE_PIXELS``, ``SMALL_IMAGE_FACTOR``)."""
    if budget_ms is None:
        return None
    factor = SMALL_IMAGE_FACTOR if pixels <= small_pixels else max(1.0, pixels / REFERENCE_PIXELS)
    return budget_ms * factor / 1000


class PassCosts:
    """Recent durations (seconds) of each kind of costly pass; shared by the frames of a decoder."""

    def __init__(self, recent: int = RECENT):
        self._recent: dict[str, deque[float]] = {}
        self._size = recent
        self._lock = threading.Lock()

    def estimate(self, kind: str) -> float:
        """What a pass of ``kind`` may cost: the slowest recent one (0 when none ran yet)."""
        with self._lock:
            recent = self._recent.get(kind)
            return max(recent) if recent else 0.0

    def record(self, kind: str, seconds: float) -> None:
        with self._lock:
            self._recent.setdefault(kind, deque(maxlen=self._size)).append(seconds)

    def refused(self, kind: str) -> None:
        """A pass of ``kind`` did not fit: forget its oldest duration (see the module docstring)."""
        with self._lock:
            recent = self._recent.get(kind)
            if recent:
                recent.popleft()


@dataclass
class FrameBudget:
    """Until when (``clock()`` seconds) the passes of one frame may start; None: no limit."""

    deadline: float | None
    clock: Callable[[], float]
    costs: PassCosts

    def expired(self) -> bool:
        return self.deadline is not None and self.clock() >= self.deadline

    def affords(self, kind: str) -> bool:
        """Whether a pass of ``kind`` fits in what is left (and records a refusal when not)."""
        if self.deadline is None:
            return True
        if self.clock() + self.costs.estimate(kind) <= self.deadline:
            return True
        self.costs.refused(kind)
        return False

    @contextmanager
    def spend(self, kind: str) -> Iterator[None]:
        """Time a pass of ``kind`` into ``costs``."""
        start = self.clock()
        try:
            yield
        finally:
            self.costs.record(kind, self.clock() - start)


@dataclass
class FrameContext:
    """What the cascade learnt about one frame so far, handed to the readers that ask for it.

    ``boxes``: where earlier readers located symbols they could not decode. ``blind``: no sign of
    a code, but this frame is the one in N that gets a costly look anyway (the CNN detector).
    ``confirmation``: the misdecode guard, shared by every later pass of the frame.
    """

    budget: FrameBudget
    confirmation: Confirmation
    boxes: list[Box] = field(default_factory=list)
    blind: bool = False
