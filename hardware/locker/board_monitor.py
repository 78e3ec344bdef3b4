"""What each lock board on a bus last reported, and whether it still answers.

``BoardMonitor`` asks boards for their status (``query``, safe to repeat), keeps the last answer of
each, and in a background thread asks every board about once a second, so that health reads
(``snapshot``) never wait on the bus. A board that misses ``offline_after_misses`` queries in a row
is offline until it answers again; while the port itself is down every board is offline.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from hardware.locker import kerong_codec as codec
from hardware.locker.serial_bus import NoReply, PortDown, SerialBus

log = logging.getLogger(__name__)


class BoardUnreachable(Exception):
    """A board did not answer a status query (silence, bad frames only, or a dead port)."""


@dataclass
class BoardView:
    """One board as last seen: ``open_since`` maps a lock whose door reads open to when it opened
    (on the monitor's ``clock``)."""

    addr: int
    online: bool = False
    status: codec.BoardStatus | None = None
    read_at: float = 0.0  # monotonic time of ``status``
    seen: bool = False
    misses: int = 0
    open_since: dict[int, float] = field(default_factory=dict)


class BoardMonitor:
    """Status queries and the per-board cache for the boards ``boards`` on ``bus``."""

    def __init__(
        self,
        *,
        name: str,
        bus: SerialBus,
        boards: list[int],
        offline_after_misses: int = 2,
        poll_interval: float | None = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self._clock = clock  # times how long a door has stood open
        self.offline_after_misses = offline_after_misses
        self.poll_interval = poll_interval
        self._bus = bus
        self._boards = {addr: BoardView(addr) for addr in boards}
        self._lock = threading.Lock()  # guards the views
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Query every board once now, then keep polling in a thread (unless ``poll_interval`` is None)."""
        self.refresh()
        if self.poll_interval is not None:
            self._thread = threading.Thread(
                target=self._poll_forever, name=f"lockboard-{self.name}", daemon=True
            )
            self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Stop polling; waits up to ``timeout`` s for a query in progress."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=timeout)

    def refresh(self) -> None:
        """Query every board once (single attempts: a missed poll is only a miss)."""
        for addr in self._boards:
            if self._stop.is_set():
                return
            try:
                self.query(addr, attempts=1)
            except BoardUnreachable:
                pass  # counted as a miss; snapshot() reports it

    def query(self, addr: int, attempts: int) -> codec.BoardStatus:
        """Board ``addr``'s status now, asked up to ``attempts`` times; raises ``BoardUnreachable``."""
        problem: Exception | None = None
        for _ in range(attempts):
            try:
                status = self._bus.transact(
                    codec.encode_status(addr), lambda f: codec.status_reply_for(f, addr)
                )
            except PortDown as exc:
                problem = exc
                break  # the port was just tried; the next call or poll reopens it
            except (NoReply, codec.FrameError) as exc:
                problem = exc
                continue
            self._record(addr, status)
            return status
        self._record_miss(addr)
        raise BoardUnreachable(f"board {addr}: {problem}")

    def cached(self, addr: int, max_age: float) -> codec.BoardStatus | None:
        """The last status of ``addr`` if it is at most ``max_age`` seconds old."""
        with self._lock:
            board = self._boards[addr]
            if board.status is not None and time.monotonic() - board.read_at <= max_age:
                return board.status
        return None

    def mark_seen(self, addr: int) -> None:
        """Board ``addr`` answered something other than a status query."""
        with self._lock:
            self._boards[addr].seen = True
            self._boards[addr].misses = 0

    def snapshot(self) -> dict[int, BoardView]:
        """A copy of every board's view, with ``online`` worked out."""
        with self._lock:
            return {
                addr: BoardView(
                    addr, self._is_online(b), b.status, b.read_at, b.seen, b.misses, dict(b.open_since)
                )
                for addr, b in self._boards.items()
            }

    # -- internals ----------------------------------------------------------------------------

    def _poll_forever(self) -> None:
        assert self.poll_interval is not None
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                self.refresh()
            except Exception:  # the poller must outlive any surprise, or offline goes unnoticed
                log.exception("locker %s: poll failed", self.name)
            self._stop.wait(max(0.05, self.poll_interval - (time.monotonic() - started)))

    def _is_online(self, board: BoardView) -> bool:
        return self._bus.port_error is None and board.seen and board.misses < self.offline_after_misses

    def _record(self, addr: int, status: codec.BoardStatus) -> None:
        now, opened = time.monotonic(), self._clock()
        with self._lock:
            board = self._boards[addr]
            was_online = self._is_online(board)
            board.status, board.read_at, board.seen, board.misses = status, now, True, 0
            for lock, is_open in enumerate(status.sensors):
                if is_open:
                    board.open_since.setdefault(lock, opened)
                else:
                    board.open_since.pop(lock, None)
        if not was_online:
            log.info("locker %s: board %d online", self.name, addr)

    def _record_miss(self, addr: int) -> None:
        with self._lock:
            board = self._boards[addr]
            was_online = self._is_online(board)
            board.misses += 1
            now_online = self._is_online(board)
        if was_online and not now_online:
            log.warning("locker %s: board %d stopped answering", self.name, addr)
