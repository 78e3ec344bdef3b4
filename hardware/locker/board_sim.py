"""A simulated RS485 bus of Kerong-style lock boards on a pseudo-terminal, for the demo and tests.

``LockBoardSimulator`` opens a pty pair, answers unlock and status frames (``kerong_codec``) on the
master side in a thread, and gives the slave's path as ``.port`` for the real driver to open. With
``port_path`` it also keeps a symlink there pointing at the slave, as udev does for a USB adapter,
so a test can "unplug" one simulator and "plug in" another under the same name.

An unlocked lock reads unlocked at once, its door pops open ``open_delay`` seconds later, the lock
re-latches after ``relatch_after`` and the door swings shut after ``close_after`` (None: never).
It is scriptable like gpiozero's mock pins: mute a board, lose, garble or cut short its next
reply, jam a lock, open or close a door; ``unlocks`` lists every unlock a board carried out.

Run ``python -m hardware.locker.board_sim --boards 2 --doors 16`` for a demo bus; it prints the
port to put in the config.
"""

from __future__ import annotations

import argparse
import heapq
import itertools
import logging
import os
import select
import signal
import sys
import threading
import time
import tty
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from hardware.locker import kerong_codec as codec

log = logging.getLogger(__name__)

COMMANDS = {"unlock": codec.CMD_UNLOCK, "status": codec.CMD_STATUS}
FAULTS = ("drop", "garble", "short")


@dataclass
class _SimBoard:
    doors: int
    locks: list[bool]  # True: unlocked
    sensors: list[bool]  # True: door open
    muted: bool = False
    stuck: set[int] = field(default_factory=set)
    faults: list[tuple[int, str, bool]] = field(default_factory=list)  # (cmd, fault, then_mute)


class LockBoardSimulator:
    """Boards ``{address: doors}`` on one simulated bus; see the module docstring."""

    def __init__(
        self,
        boards: dict[int, int],
        *,
        port_path: str | Path | None = None,
        open_delay: float = 0.05,
        relatch_after: float = 1.0,
        close_after: float | None = 3.0,
    ) -> None:
        if not boards:
            raise ValueError("a simulated bus needs at least one board")
        for addr, doors in boards.items():
            codec.encode_status(addr)  # validates the address
            if not 1 <= doors <= codec.LOCKS_PER_BOARD:
                raise ValueError(f"board {addr}: doors must be 1..{codec.LOCKS_PER_BOARD}, got {doors}")
        self.open_delay = open_delay
        self.relatch_after = relatch_after
        self.close_after = close_after
        self.unlocks: list[tuple[int, int, float]] = []  # (addr, lock, time.monotonic())
        self.requests: list[tuple[int, int, int]] = []  # (addr, lock, cmd) of every frame received
        self._boards = {a: _SimBoard(d, [False] * d, [False] * d) for a, d in boards.items()}
        self._lock = threading.Lock()  # guards boards, events and the lists above
        self._events: list[tuple[float, int, Callable[[], None]]] = []  # heap of (due, seq, action)
        self._seq = itertools.count()
        self._parser = codec.FrameParser.for_requests()
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)  # no echo, no line editing: bytes pass through as they are
        self.slave_path = os.ttyname(self._slave)
        self.link = Path(port_path) if port_path is not None else None
        if self.link is not None:
            temp = self.link.with_name(self.link.name + ".new")
            temp.unlink(missing_ok=True)
            temp.symlink_to(self.slave_path)
            os.replace(temp, self.link)  # atomic re-point, like udev
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="lockboard-sim", daemon=True)
        self._thread.start()
        log.info("lock board simulator: boards %s on %s", sorted(boards), self.port)

    @property
    def port(self) -> str:
        """The path the driver opens: the symlink when ``port_path`` was given, else the pty."""
        return str(self.link) if self.link is not None else self.slave_path

    # -- scripting ------------------------------------------------------------------------------

    def set_mute(self, addr: int, muted: bool = True) -> None:
        """A muted board is dead: frames to it are recorded in ``requests`` but not carried out."""
        with self._lock:
            self._boards[addr].muted = muted

    def drop_next_reply(self, addr: int, command: str = "unlock", *, then_mute: bool = False) -> None:
        """Carry out the next ``command`` but lose its reply; ``then_mute`` also mutes the board."""
        self._add_fault(addr, command, "drop", then_mute)

    def garble_next_reply(self, addr: int, command: str = "unlock") -> None:
        """Carry out the next ``command`` but answer with a bad checksum."""
        self._add_fault(addr, command, "garble", False)

    def short_next_reply(self, addr: int, command: str = "unlock") -> None:
        """Carry out the next ``command`` but answer with its last data byte missing."""
        self._add_fault(addr, command, "short", False)

    def set_stuck(self, addr: int, lock: int, stuck: bool = True) -> None:
        """A jammed lock: unlocks are carried out (and recorded) but it stays locked, door shut."""
        with self._lock:
            board = self._board(addr, lock)
            if stuck:
                board.stuck.add(lock)
            else:
                board.stuck.discard(lock)

    def open_door(self, addr: int, lock: int) -> None:
        """Someone pulls the door of ``lock`` open."""
        with self._lock:
            self._board(addr, lock).sensors[lock] = True

    def close_door(self, addr: int, lock: int) -> None:
        """Someone pushes the door of ``lock`` shut."""
        with self._lock:
            self._board(addr, lock).sensors[lock] = False

    def lock_unlocked(self, addr: int, lock: int) -> bool:
        with self._lock:
            return self._board(addr, lock).locks[lock]

    def door_is_open(self, addr: int, lock: int) -> bool:
        with self._lock:
            return self._board(addr, lock).sensors[lock]

    def close(self) -> None:
        """Stop serving and close the pty ("unplug"); the symlink, if any, is left dangling."""
        if self._stop.is_set():
            return
        self._stop.set()
        self._thread.join(timeout=2.0)
        for fd in (self._master, self._slave):
            try:
                os.close(fd)
            except OSError:
                pass
        log.info("lock board simulator on %s closed", self.port)

    def __enter__(self) -> LockBoardSimulator:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # -- serving --------------------------------------------------------------------------------

    def _serve(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                wait = (
                    0.05 if not self._events else max(0.0, min(0.05, self._events[0][0] - time.monotonic()))
                )
            ready, _, _ = select.select([self._master], [], [], wait)
            self._run_due_events()
            if not ready:
                continue
            try:
                data = os.read(self._master, 4096)
            except OSError:  # nobody holds the slave open right now; keep serving
                time.sleep(0.02)
                continue
            self._parser.feed(data)
            while True:
                try:
                    frame = self._parser.next_frame()
                except codec.FrameError as exc:  # a real board ignores a bad frame
                    log.info("lock board simulator: ignored a bad frame: %s", exc)
                    continue
                if frame is None:
                    break
                reply = self._answer(frame)
                if reply:
                    os.write(self._master, reply)

    def _answer(self, frame: codec.Frame) -> bytes:
        """Carry out one request; the bytes to send back (empty: silence)."""
        with self._lock:
            self.requests.append((frame.addr, frame.lock, frame.cmd))
            board = self._boards.get(frame.addr)
            if board is None or board.muted:
                return b""  # no board at that address, or a dead one: silence on the bus
            if frame.cmd == codec.CMD_UNLOCK:
                reply = codec.encode_unlock_reply(
                    frame.addr, frame.lock, self._unlock(frame.addr, frame.lock)
                )
            else:
                reply = codec.encode_status_reply(frame.addr, board.locks, board.sensors)
            fault = next((f for f in board.faults if f[0] == frame.cmd), None)
            if fault is None:
                return reply
            board.faults.remove(fault)
            _cmd, kind, then_mute = fault
            board.muted = board.muted or then_mute
            if kind == "drop":
                return b""
            if kind == "garble":
                return reply[:-1] + bytes([reply[-1] ^ 0x5A])
            body = reply[:-3] + bytes([codec.ETX])  # "short": lose the last data byte
            return body + bytes([codec.checksum(body)])

    def _unlock(self, addr: int, lock: int) -> bool:
        """Drive the lock (called with the lock held); True when it now reads unlocked."""
        board = self._boards[addr]
        if lock >= board.doors:
            return False
        self.unlocks.append((addr, lock, time.monotonic()))
        if lock in board.stuck:
            return False
        board.locks[lock] = True
        self._schedule(self.open_delay, lambda: self._set_sensor(addr, lock, True))
        self._schedule(self.relatch_after, lambda: self._relatch(addr, lock))
        return True

    def _relatch(self, addr: int, lock: int) -> None:
        self._boards[addr].locks[lock] = False

    def _set_sensor(self, addr: int, lock: int, is_open: bool) -> None:
        self._boards[addr].sensors[lock] = is_open
        if is_open and self.close_after is not None:
            self._schedule(self.close_after, lambda: self._set_sensor(addr, lock, False))

    def _schedule(self, delay: float, action: Callable[[], None]) -> None:
        heapq.heappush(self._events, (time.monotonic() + delay, next(self._seq), action))

    def _run_due_events(self) -> None:
        with self._lock:
            now = time.monotonic()
            while self._events and self._events[0][0] <= now:
                heapq.heappop(self._events)[2]()

    # -- helpers --------------------------------------------------------------------------------

    def _board(self, addr: int, lock: int) -> _SimBoard:
        board = self._boards[addr]
        if not 0 <= lock < board.doors:
            raise ValueError(f"board {addr} has no lock {lock} (0..{board.doors - 1})")
        return board

    def _add_fault(self, addr: int, command: str, kind: str, then_mute: bool) -> None:
        if command not in COMMANDS:
            raise ValueError(f"command must be one of {sorted(COMMANDS)}, got {command!r}")
        with self._lock:
            self._boards[addr].faults.append((COMMANDS[command], kind, then_mute))


def main(argv: list[str] | None = None) -> None:
    """Serve a demo bus until interrupted; print the port for the driver's config."""
    parser = argparse.ArgumentParser(
        prog="python -m hardware.locker.board_sim", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--boards", type=int, default=1, help="boards on the bus, addresses 0..N-1")
    parser.add_argument("--doors", type=int, default=16, help="doors per board (1..16)")
    parser.add_argument("--link", help="also make this path a symlink to the pty, as udev would")
    parser.add_argument("--close-after", type=float, default=3.0, help="seconds an opened door stays open")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    boards = dict.fromkeys(range(args.boards), args.doors)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # close the pty cleanly on `kill`
    with LockBoardSimulator(boards, port_path=args.link, close_after=args.close_after) as sim:
        print(sim.port, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
