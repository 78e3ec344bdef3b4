"""Door supervision: a thread that watches a bank's door sensors and raises alarms.

The lane pulses a door only for a claimed pickup, and tells the watch just before
(``expect_open``). Any other opening is ``forced``: someone got a door open without a command
(a weak lock, a crowbar). A door open longer than ``open_too_long_s`` is ``left_open``, once
per opening; ``closed`` clears those two. A sensor that raises gives ``sensor_error`` once, until
it reads again (``sensor_ok``). Separately the watch keeps each door's service record: a door that
is "not detected" ``not_detected_limit`` times in a row after a pulse (a jammed lock, a dead
coil) goes ``out_of_service`` until a technician calls ``restore``.

Polling, not edge events: it works the same for GPIO sensors, a serial lock board and the
simulator, and a 0.2 s poll is far quicker than any door. An opening shorter than one poll can be
missed, which costs nothing: nobody takes a document through a door open for 0.2 s.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from hardware.errors import DeviceOffline
from hardware.locker.interface import DOOR_LEFT_OPEN_SECONDS, LockerBank
from hardware.locker.pulse_rules import check_door

log = logging.getLogger(__name__)

FORCED = "forced"
LEFT_OPEN = "left_open"
CLOSED = "closed"  # informational: clears forced and left_open
SENSOR_ERROR = "sensor_error"
SENSOR_OK = "sensor_ok"  # informational: clears sensor_error
OUT_OF_SERVICE = "out_of_service"
RESTORED = "restored"  # informational: clears out_of_service


@dataclass(frozen=True)
class DoorAlarm:
    """One event about a door; ``door`` is None for the whole bank (it cannot be reached).

    ``at`` is Unix time, for people and logs; the watch's durations use its own clock.
    """

    bank: str
    door: int | None
    kind: str
    at: float
    detail: str = ""


@dataclass
class _Door:
    open: bool | None = None  # last reading; None before the first one or without a sensor
    opened_at: float | None = None  # watch clock
    expected_until: float | None = None  # an opening before this is ours
    misses: int = 0  # "not detected" results in a row
    active: dict[str, DoorAlarm] = field(default_factory=dict)  # raised and not yet cleared


class DoorWatch:
    """Watches every door of ``bank`` that has a sensor; ``on_alarm`` gets each ``DoorAlarm``.

    ``on_alarm`` is called from the watch thread for sensor alarms and from the caller's thread
    for ``record_result``/``mark_failed``/``restore``; it must not block for long. Call
    ``start()`` after the bank is open and ``stop()`` before it is closed.
    """

    def __init__(
        self,
        bank: LockerBank,
        *,
        open_too_long_s: float = DOOR_LEFT_OPEN_SECONDS,
        poll_s: float = 0.2,
        on_alarm: Callable[[DoorAlarm], None],
        not_detected_limit: int = 2,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if poll_s <= 0:
            raise ValueError(f"poll_s must be > 0, got {poll_s!r}")
        if not_detected_limit < 1:
            raise ValueError(f"not_detected_limit must be >= 1, got {not_detected_limit!r}")
        self.bank = bank
        self.open_too_long_s = open_too_long_s
        self.poll_s = poll_s
        self.not_detected_limit = not_detected_limit
        self._on_alarm = on_alarm
        self._clock = clock
        self._lock = threading.Lock()
        self._doors = {n: _Door() for n in range(1, bank.doors + 1)}
        self._failed: dict[int, str] = {}  # door -> why it is out of service
        self._bank_error: DoorAlarm | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- the thread ---------------------------------------------------------------------------

    def start(self) -> None:
        """Start polling in a daemon thread (the first poll happens at once)."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"door-watch-{self.bank.name}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Stop polling and wait up to ``timeout`` seconds for the thread to end."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        log.info("door watch %s: started, polling every %.2f s", self.bank.name, self.poll_s)
        while not self._stop.is_set():
            try:
                self.check_now()
            except Exception:  # a bug here must not end supervision silently
                log.exception("door watch %s: poll failed", self.bank.name)
            self._stop.wait(self.poll_s)
        log.info("door watch %s: stopped", self.bank.name)

    # -- what the lane tells the watch --------------------------------------------------------

    def expect_open(self, door: int, within_s: float = 12.0) -> None:
        """The lane is about to pulse ``door``: an opening within ``within_s`` s is not forced."""
        check_door(door, self.bank.doors, self.bank.name)
        with self._lock:
            self._doors[door].expected_until = self._clock() + within_s

    def record_result(self, door: int, opened: bool | None) -> None:
        """The outcome of a pulse: opened, not detected (False) or no sensor (None, ignored).

        ``not_detected_limit`` misses in a row put the door out of service; an opening resets.
        """
        check_door(door, self.bank.doors, self.bank.name)
        if opened is None:
            return
        with self._lock:
            state = self._doors[door]
            state.misses = 0 if opened else state.misses + 1
            misses = state.misses
        if misses >= self.not_detected_limit:
            self.mark_failed(door, f"not detected {misses} times in a row")

    def mark_failed(self, door: int, reason: str) -> None:
        """Put ``door`` out of service (the lane stops using it) until ``restore``."""
        check_door(door, self.bank.doors, self.bank.name)
        with self._lock:
            if door in self._failed:
                return
            self._failed[door] = reason
            alarm = self._raise(door, OUT_OF_SERVICE, reason)
        log.error("locker %s: door %d out of service: %s", self.bank.name, door, reason)
        self._emit([alarm])

    def restore(self, door: int) -> None:
        """A technician fixed ``door``: back in service with a clean record."""
        check_door(door, self.bank.doors, self.bank.name)
        with self._lock:
            self._doors[door].misses = 0
            reason = self._failed.pop(door, None)
            if reason is None:
                return
            alarm = self._clear(door, RESTORED, OUT_OF_SERVICE)
        log.info("locker %s: door %d back in service", self.bank.name, door)
        self._emit([alarm])

    def out_of_service(self) -> set[int]:
        """Doors the lane must not use."""
        with self._lock:
            return set(self._failed)

    def active_alarms(self) -> list[DoorAlarm]:
        """Alarms raised and not cleared yet (bank-wide first, then by door)."""
        with self._lock:
            alarms = [self._bank_error] if self._bank_error else []
            for state in self._doors.values():
                alarms.extend(state.active.values())
        return alarms

    # -- one poll -----------------------------------------------------------------------------

    def check_now(self) -> None:
        """Read every door's sensor once and raise what changed (the thread calls this)."""
        readings: dict[int, bool | None | Exception] = {}
        bank_error: Exception | None = None
        for door in self._doors:
            try:
                readings[door] = self.bank.door_open(door)
            except DeviceOffline as exc:
                bank_error = exc  # the whole bank is gone: one alarm, not one per door
                break
            except Exception as exc:
                readings[door] = exc
        now = self._clock()
        alarms: list[DoorAlarm] = []
        with self._lock:
            if bank_error is not None:
                if self._bank_error is None:
                    self._bank_error = self._alarm(None, SENSOR_ERROR, str(bank_error))
                    alarms.append(self._bank_error)
            else:
                if self._bank_error is not None:
                    self._bank_error = None
                    alarms.append(self._alarm(None, SENSOR_OK, "bank reachable again"))
                for door, reading in readings.items():
                    alarms.extend(self._observe(door, reading, now))
        for alarm in alarms:
            level = logging.INFO if alarm.kind in (CLOSED, SENSOR_OK) else logging.WARNING
            log.log(level, "locker %s: door %s %s %s", alarm.bank, alarm.door, alarm.kind, alarm.detail)
        self._emit(alarms)

    def _observe(self, door: int, reading: bool | None | Exception, now: float) -> list[DoorAlarm]:
        """Update one door from one reading; the alarms it raises. Called with the lock held."""
        state = self._doors[door]
        if isinstance(reading, Exception):
            if SENSOR_ERROR in state.active:
                return []
            return [self._raise(door, SENSOR_ERROR, f"{type(reading).__name__}: {reading}")]
        alarms = []
        if SENSOR_ERROR in state.active:
            alarms.append(self._clear(door, SENSOR_OK, SENSOR_ERROR))
        previous, state.open = state.open, reading
        if reading is None:
            return alarms  # no sensor on this door
        if previous is None:
            # The first reading: a door already open was opened before we watched (maybe by a
            # pickup before a restart), so it is not called forced, but it still may be left open.
            state.opened_at = now if reading else None
        elif reading and not previous:
            state.opened_at = now
            if state.expected_until is not None and now <= state.expected_until:
                state.expected_until = None  # one pulse, one opening
            else:
                alarms.append(self._raise(door, FORCED, "opened without a command"))
        elif not reading and previous:
            state.opened_at = None
            cleared = [kind for kind in (FORCED, LEFT_OPEN) if kind in state.active]
            if cleared:
                for kind in cleared:
                    del state.active[kind]
                alarms.append(self._alarm(door, CLOSED, "clears " + ", ".join(cleared)))
        if reading and LEFT_OPEN not in state.active and now - state.opened_at >= self.open_too_long_s:
            alarms.append(self._raise(door, LEFT_OPEN, f"open for {now - state.opened_at:.0f} s"))
        return alarms

    # -- helpers ------------------------------------------------------------------------------

    def _alarm(self, door: int | None, kind: str, detail: str) -> DoorAlarm:
        return DoorAlarm(bank=self.bank.name, door=door, kind=kind, at=time.time(), detail=detail)

    def _raise(self, door: int, kind: str, detail: str) -> DoorAlarm:
        alarm = self._alarm(door, kind, detail)
        self._doors[door].active[kind] = alarm
        return alarm

    def _clear(self, door: int, kind: str, clears: str) -> DoorAlarm:
        self._doors[door].active.pop(clears, None)
        return self._alarm(door, kind, f"clears {clears}")

    def _emit(self, alarms: list[DoorAlarm]) -> None:
        for alarm in alarms:
            try:
                self._on_alarm(alarm)
            except Exception:  # a broken consumer must not stop supervision
                log.exception("door watch %s: on_alarm failed for %s", self.bank.name, alarm.kind)
