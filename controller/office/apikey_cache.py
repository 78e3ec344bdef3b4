"""A short-lived, in-process memory of live API keys, so a lane's heartbeat does not cost a pool
checkout and a lookup on every request (issue 13: 333 heartbeats a second at 1,000 lanes).

Revocation is honoured promptly:
- in the process that revokes the key, at once (``forget``: the revoking call drops the entry);
- in every other office worker, at most ``TTL_SECONDS`` (5 s) after the revocation committed:
  an entry is trusted only that long after the database said the key was live, then looked up again.
Only live keys are remembered: an unknown or revoked key is looked up every time, so a key just
created in another worker works at once and a wrong key never lingers.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

TTL_SECONDS = 5.0  # the longest a revoked key keeps working in another worker
MAX_ENTRIES = 10_000  # more live keys than that: start afresh rather than grow without bound


class KeyCache:
    """key hash -> the key's {id, role, lane_id, label}, each entry good for ``ttl`` seconds."""

    def __init__(self, ttl: float = TTL_SECONDS, clock: Callable[[], float] = time.monotonic):
        self.ttl = ttl
        self.clock = clock
        self._entries: dict[str, tuple[float, dict]] = {}
        self._lock = threading.Lock()
        self._forgets = 0  # a lookup that overlapped a revocation here must not be remembered

    def stamp(self) -> tuple[float, int]:
        """Taken just before a database lookup; ``put`` it with the lookup's result."""
        return self.clock(), self._forgets

    def get(self, hashed: str) -> dict | None:
        """The live key's record if it was confirmed less than ``ttl`` ago, else None."""
        entry = self._entries.get(hashed)
        if entry is None:
            return None
        if self.clock() - entry[0] >= self.ttl:
            with self._lock:
                self._entries.pop(hashed, None)
            return None
        return dict(entry[1])

    def put(self, hashed: str, found: dict, stamp: tuple[float, int]) -> None:
        """``found`` was live in the lookup that began at ``stamp``; forgotten at once if a key
        was revoked in this process since (it may be this one)."""
        confirmed_at, forgets = stamp
        with self._lock:
            if forgets != self._forgets:
                return
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[hashed] = (confirmed_at, dict(found))

    def forget(self, key_id: int) -> None:
        """Drop every entry of key ``key_id`` (revoked in this process)."""
        with self._lock:
            self._forgets += 1
            for hashed in [h for h, (_, f) in self._entries.items() if f.get("id") == key_id]:
                del self._entries[hashed]
