"""Drop repeats of the same code while it stays in front of the reader.

A camera reads a code held up to it many times a second. A code counts again only after it has
been out of view for ``window`` seconds (a sliding window, refreshed by every read).
"""

from __future__ import annotations


class Deduper:
    def __init__(self, window: float):
        self.window = window
        self._last_seen: dict[str, float] = {}

    def is_repeat(self, key: str, at: float) -> bool:
        """Record a read of ``key`` at monotonic time ``at``; True if it is a repeat."""
        last = self._last_seen.get(key)
        self._last_seen[key] = at
        if len(self._last_seen) > 256:
            self._forget_before(at - self.window)
        return last is not None and at - last < self.window

    def _forget_before(self, cutoff: float) -> None:
        self._last_seen = {k: t for k, t in self._last_seen.items() if t >= cutoff}
