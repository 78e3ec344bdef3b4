"""A short-lived, in-process memory of live API keys, so a lane's heartbeat does not cost a pool
checkout and a lookup on every request (issue 13: 333 heartbeats a second at 1,000 lanes).

Each entry carries when the database last said its key was live (a lookup, or a sweep: one
statement re-checking every remembered key at once, at most every ``SWEEP_SECONDS``). An entry is
trusted for ``FRESH_SECONDS`` on the event loop and up to ``TTL_SECONDS`` in a worker thread,
which sweeps first when one is due. So revocation is honoured promptly:
- in the process that revokes the key, at once (``forget``: the revoking call drops the entry);
- in every other office worker, at most ``TTL_SECONDS`` (5 s) after the revocation committed.
Only live keys are remembered: an unknown or revoked key is looked up every time, so a key just
created in another worker works at once and a wrong key never lingers.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable

TTL_SECONDS = 5.0  # the longest a revoked key keeps working in another worker
FRESH_SECONDS = 2.0  # older than this, the next request sweeps (in a thread) before it trusts
SWEEP_SECONDS = 2.0  # at most one sweep this often per process
MAX_ENTRIES = 10_000  # more live keys than that: start afresh rather than grow without bound
Stamp = tuple[float, int]


class KeyCache:
    """key hash -> the key's {id, role, lane_id, label} and when it was last confirmed live."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self._entries: dict[str, tuple[float, dict]] = {}
        self._lock = threading.Lock()
        self._sweeping = threading.Lock()
        self._swept_at = clock()  # entries are younger than this: the first sweep is not due yet
        self._forgets = 0  # a lookup that overlapped a revocation here must not be remembered

    def stamp(self) -> Stamp:
        """Taken just before a database read; give it to ``put`` or ``confirm`` with its result."""
        return self.clock(), self._forgets

    def get(self, hashed: str, *, within: float = TTL_SECONDS) -> dict | None:
        """The key's record if it was confirmed live less than ``within`` seconds ago, else None."""
        entry = self._entries.get(hashed)
        if entry is None or self.clock() - entry[0] >= min(within, TTL_SECONDS):
            return None
        return dict(entry[1])

    def put(self, hashed: str, found: dict, stamp: Stamp) -> None:
        """``found`` was live in the lookup that began at ``stamp``; not remembered if a key was
        revoked in this process since (it may be this one)."""
        with self._lock:
            if stamp[1] != self._forgets:
                return
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[hashed] = (stamp[0], dict(found))

    def sweep_due(self) -> Stamp | None:
        """A stamp if this thread should sweep now (and holds the sweep), else None."""
        if self.clock() - self._swept_at < SWEEP_SECONDS or not self._entries:
            return None
        if not self._sweeping.acquire(blocking=False):
            return None  # another thread sweeps
        self._swept_at = self.clock()
        return self.stamp()

    def ids(self) -> list[int]:
        return sorted({found["id"] for _, found in list(self._entries.values())})

    def release(self) -> None:
        """A sweep that failed: the next request tries again."""
        self._swept_at = float("-inf")
        self._sweeping.release()

    def confirm(self, checked: Iterable[int], live_ids: Iterable[int], stamp: Stamp) -> None:
        """The end of a sweep that began at ``stamp`` (releases the sweep): of the
        ``checked`` keys, those of ``live_ids`` were live then, the others are dropped (revoked or
        gone)."""
        checked, live = set(checked), set(live_ids)
        try:
            with self._lock:
                for hashed, (confirmed, found) in list(self._entries.items()):
                    if found["id"] not in checked:
                        continue  # remembered after the sweep began: its own lookup confirmed it
                    if found["id"] not in live:
                        del self._entries[hashed]
                    elif stamp[1] == self._forgets and confirmed < stamp[0]:
                        self._entries[hashed] = (stamp[0], found)
        finally:
            self._sweeping.release()

    def forget(self, key_id: int) -> None:
        """Drop every entry of key ``key_id`` (revoked in this process)."""
        with self._lock:
            self._forgets += 1
            for hashed in [h for h, (_, f) in self._entries.items() if f.get("id") == key_id]:
                del self._entries[hashed]
