"""A locker bank on RS485 lock boards (Kerong KR-CU16 style), driven over pyserial.

Door N of the bank is lock ``(N-1) % doors_per_board`` of board ``boards[(N-1) // doors_per_board]``;
the boards share one half-duplex bus, so exactly one request is on the wire at a time and each
waits for its reply (or ``timeout``). The board times its own unlock pulse: ``pulse``'s length is
only clamped and returned. Frames come from ``kerong_codec``; this module knows nothing of bytes.

Unlocking is never repeated blindly. ``pulse`` first queries the board's status (no answer:
``DeviceOffline``, nothing was written). Then it sends one unlock. If that reply is lost or
garbled, the board may or may not have unlocked, so the driver asks the board's status instead:

- the lock reads unlocked or its door open: success, nothing is resent;
- the status query is not answered either: ``LockerError`` reason ``pulse-interrupted``;
- the lock reads locked and its door closed: the unlock cannot have taken effect (a board that
  unlocked reports the lock open until it re-latches, which takes far longer than one reply
  timeout), so the unlock is sent once more, and only once; should that reply be lost too and the
  lock still read locked, ``pulse-interrupted``.

A reply saying the lock is still locked after its pulse raises ``lock-jammed`` (the coil may
have been driven, so it is not a "nothing actuated" reason).

A ``BoardMonitor`` thread queries every board about once a second; ``status()`` only reads what
it found, so it never waits on the bus. A board that misses ``offline_after_misses`` queries in a
row is OFFLINE until it answers again; a port that fails (unplugged USB adapter) is closed and
reopened by ``SerialBus`` on the next request or poll, so a re-pointed udev symlink just works.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import serial

from hardware.errors import DeviceOffline, LockerError
from hardware.locker import kerong_codec as codec
from hardware.locker.board_monitor import BoardMonitor, BoardUnreachable
from hardware.locker.interface import DOOR_LEFT_OPEN_SECONDS, LockerBank
from hardware.locker.pulse_rules import check_door, check_max_pulse_ms, clamp_pulse_ms
from hardware.locker.serial_bus import NoReply, PortDown, SerialBus
from hardware.status import DeviceState, DeviceStatus

log = logging.getLogger(__name__)


class SerialLockBoardBank(LockerBank):
    """One bus of lock boards as a locker bank; see the module docstring for the behaviour.

    ``serial_factory(port, baudrate=..., timeout=...)`` opens the port (default
    ``serial.serial_for_url``, so device paths, udev symlinks and ``loop://`` all work).
    ``poll_interval=None`` disables the background poller (tests; ``refresh()`` polls by hand).
    """

    def __init__(
        self,
        *,
        name: str,
        port: str,
        boards: list[int] | None = None,
        doors_per_board: int = 16,
        baudrate: int = 9600,
        timeout: float = 0.3,
        retries: int = 2,
        max_pulse_ms: int = 1000,
        serial_factory: Callable[..., serial.SerialBase] | None = None,
        sensors: bool = True,
        poll_interval: float | None = 1.0,
        offline_after_misses: int = 2,
        sensor_cache_seconds: float = 0.1,
        open_warn_after: float = DOOR_LEFT_OPEN_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        boards = [0] if boards is None else list(boards)
        if not boards or len(set(boards)) != len(boards):
            raise ValueError(f"locker {name!r}: boards must list distinct addresses, got {boards}")
        for addr in boards:
            codec.encode_status(addr)  # raises ValueError for an address the protocol cannot carry
        if not 1 <= doors_per_board <= codec.LOCKS_PER_BOARD:
            raise ValueError(f"locker {name!r}: doors_per_board must be 1..{codec.LOCKS_PER_BOARD}")
        if timeout <= 0 or retries < 0 or offline_after_misses < 1:
            raise ValueError(f"locker {name!r}: timeout > 0, retries >= 0, offline_after_misses >= 1")
        self.name = name
        self.port = port
        self.boards = boards
        self.doors_per_board = doors_per_board
        self.doors = len(boards) * doors_per_board
        self.max_pulse_ms = check_max_pulse_ms(max_pulse_ms)
        self.baudrate = baudrate
        self.timeout = timeout
        self.retries = retries
        self.sensors = sensors
        self.poll_interval = poll_interval
        self.offline_after_misses = offline_after_misses
        self.sensor_cache_seconds = sensor_cache_seconds
        self.open_warn_after = open_warn_after
        self.counters = {"lost_replies": 0, "unlock_resends": 0}
        self._bus = SerialBus(
            name=name,
            port=port,
            parser=codec.FrameParser.for_replies(),
            frame_error=codec.FrameError,
            baudrate=baudrate,
            timeout=timeout,
            serial_factory=serial_factory,
        )
        self._monitor = BoardMonitor(
            name=name,
            bus=self._bus,
            boards=boards,
            offline_after_misses=offline_after_misses,
            poll_interval=poll_interval,
            clock=clock,
        )
        self._clock = clock
        self._pulse_lock = threading.Lock()  # one pulse at a time per bank
        self._counter_lock = threading.Lock()
        self._closed = False
        self._monitor.start()
        log.info("locker %s: %d boards x %d doors on %s", name, len(boards), doors_per_board, port)

    # -- actuation ----------------------------------------------------------------------------

    def pulse(self, door: int, ms: int) -> int:
        """Unlock ``door`` once; the board times the pulse, so ``ms`` is clamped and returned."""
        check_door(door, self.doors, self.name)
        length = clamp_pulse_ms(ms, self.max_pulse_ms)
        addr, lock = self._locate(door)
        with self._pulse_lock:
            self._check_not_closed()
            try:
                self._monitor.query(addr, attempts=self.retries + 1)
            except BoardUnreachable as exc:
                raise DeviceOffline(f"locker {self.name!r}: board {addr} does not answer: {exc}") from exc
            self._unlock(door, addr, lock)
        log.info("locker %s: unlocked door %d (board %d lock %d)", self.name, door, addr, lock)
        return length

    def _unlock(self, door: int, addr: int, lock: int) -> None:
        for attempt in (1, 2):
            try:
                reply = self._bus.transact(
                    codec.encode_unlock(addr, lock), lambda frame: codec.unlock_reply_for(frame, addr, lock)
                )
            except PortDown as exc:
                if attempt == 1 and not exc.written:
                    raise DeviceOffline(f"locker {self.name!r}: {exc}") from exc
                problem: Exception = exc
            except (NoReply, codec.FrameError) as exc:
                problem = exc
            else:
                self._monitor.mark_seen(addr)
                if reply.unlocked:
                    return
                raise LockerError(
                    f"locker {self.name!r}: door {door} still reads locked after its pulse",
                    reason="lock-jammed",
                )
            self._count("lost_replies")
            log.warning(
                "locker %s: door %d unlock reply lost (%s); asking the board", self.name, door, problem
            )
            if self._unlocked_or_open(door, addr, lock):
                return
            if attempt == 2:
                break
            # The board clearly did not unlock: the one resend the module docstring allows.
            self._count("unlock_resends")
            log.warning(
                "locker %s: door %d reads locked and closed; sending the unlock once more", self.name, door
            )
        raise LockerError(
            f"locker {self.name!r}: door {door}: two unlock replies lost and the lock reads locked",
            reason="pulse-interrupted",
        )

    def _unlocked_or_open(self, door: int, addr: int, lock: int) -> bool:
        try:
            status = self._monitor.query(addr, attempts=self.retries + 1)
        except BoardUnreachable as exc:
            raise LockerError(
                f"locker {self.name!r}: door {door}: unlock sent, then board {addr} went silent ({exc}); "
                "the door may have opened",
                reason="pulse-interrupted",
            ) from exc
        return status.locks[lock] or (self.sensors and status.sensors[lock])

    def all_off(self) -> None:
        """Nothing to switch off: the board ends its own pulses."""

    # -- sensors ------------------------------------------------------------------------------

    def door_open(self, door: int) -> bool | None:
        """The door sensor (a status reply at most ``sensor_cache_seconds`` old); None without sensors.

        Raises ``DeviceOffline`` when the board does not answer.
        """
        return self._door_state(door, attempts=self.retries + 1)

    def wait_open(self, door: int, timeout: float) -> bool | None:
        """Poll the sensor until it reads open or ``timeout`` passes; a silent board counts as closed."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                state = self._door_state(door, attempts=1)
            except DeviceOffline:
                self._check_not_closed()
                state = False
            if state is None or state or time.monotonic() >= deadline:
                return state
            time.sleep(0.05)

    def _door_state(self, door: int, attempts: int) -> bool | None:
        check_door(door, self.doors, self.name)
        if not self.sensors:
            return None
        self._check_not_closed()
        addr, lock = self._locate(door)
        status = self._monitor.cached(addr, self.sensor_cache_seconds)
        if status is None:
            try:
                status = self._monitor.query(addr, attempts=attempts)
            except BoardUnreachable as exc:
                raise DeviceOffline(f"locker {self.name!r}: board {addr} does not answer: {exc}") from exc
        return status.sensors[lock]

    # -- health -------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Query every board once now (the poller does this about every ``poll_interval``)."""
        self._monitor.refresh()

    def status(self) -> DeviceStatus:
        """From the poller's cache, never the bus: boards online/offline, door sensors, faults."""
        status = DeviceStatus(kind="locker", name=self.name, info={"max_pulse_ms": self.max_pulse_ms})
        status.info["port"] = self.port
        now = self._clock()
        boards = self._monitor.snapshot()
        online = {addr: board.online for addr, board in boards.items()}
        doors, left_open = {}, []
        for door in range(1, self.doors + 1):
            addr, lock = self._locate(door)
            board = boards[addr]
            if self._closed or not board.online or not self.sensors or board.status is None:
                doors[door] = "unknown"
                continue
            doors[door] = "open" if board.status.sensors[lock] else "closed"
            since = board.open_since.get(lock)
            if since is not None and now - since >= self.open_warn_after:
                left_open.append(door)
        with self._counter_lock:
            status.info["counters"] = {**self.counters, **self._bus.counters}
        status.info["doors"] = doors
        status.info["boards"] = {addr: "online" if up else "offline" for addr, up in online.items()}
        down = [addr for addr, up in online.items() if not up]
        if self._closed:
            status.state, status.detail = DeviceState.OFFLINE, "locker bank closed"
            status.reasons.append("closed")
        elif self._bus.port_error is not None:
            status.state, status.detail = DeviceState.OFFLINE, f"port {self.port}: {self._bus.port_error}"
            status.reasons.append("port-unavailable")
        elif down:
            # Doors on the boards that still answer can serve: only a dead bus is OFFLINE.
            status.state = DeviceState.OFFLINE if len(down) == len(online) else DeviceState.WARNING
            status.reasons.append("board-offline")
            status.detail = "board(s) " + ", ".join(map(str, down)) + " not answering"
        elif left_open:
            status.state = DeviceState.WARNING
            status.reasons.append("door-left-open")
            status.detail = "door(s) " + ", ".join(map(str, left_open)) + " left open"
        return status

    def close(self) -> None:
        """Stop the poller and close the port; later calls raise ``DeviceOffline``."""
        if self._closed:
            return
        self._closed = True
        self._monitor.stop(timeout=self.timeout * 2 + 1.0)
        self._bus.close()
        log.info("locker %s: closed", self.name)

    # -- helpers ------------------------------------------------------------------------------

    def _locate(self, door: int) -> tuple[int, int]:
        return self.boards[(door - 1) // self.doors_per_board], (door - 1) % self.doors_per_board

    def _count(self, counter: str) -> None:
        with self._counter_lock:
            self.counters[counter] += 1

    def _check_not_closed(self) -> None:
        if self._closed:
            raise DeviceOffline(f"locker {self.name!r} is closed")
