"""A simulated locker bank: in-memory doors for the demo, the lane's tests and fault injection.

It keeps the real drivers' rules (door numbers, clamping, one pulse at a time, blocking for the
pulse length) and is scriptable like gpiozero's mock pins: a pulse pops the door open after
``open_delay`` (unless the door is stuck or ``auto_open`` is off) and it swings shut again after
``close_after`` seconds; tests can open, close, jam or unplug doors and read every pulse back.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from pathlib import Path

from hardware.errors import DeviceOffline
from hardware.locker.interface import LockerBank
from hardware.locker.pulse_rules import check_door, check_max_pulse_ms, clamp_pulse_ms
from hardware.status import DeviceState, DeviceStatus

log = logging.getLogger(__name__)


class SimLockerBank(LockerBank):
    """In-memory doors numbered 1..``doors``.

    Inspect ``pulses`` (``(door, ms, time.monotonic())`` per pulse, in order) and
    ``energised`` (the door whose relay is on right now, or None). With ``log_path`` set every
    pulse is also appended to that file as one JSON line ``{"door", "ms", "at"}`` (``at`` is Unix
    time), written and fsynced when the relay energises, so it survives a kill -9 mid-pulse.
    ``realtime=False`` makes ``pulse`` return at once instead of blocking for the pulse length.
    """

    def __init__(
        self,
        *,
        name: str,
        doors: int,
        sensors: bool = True,
        auto_open: bool = True,
        open_delay: float = 0.05,
        close_after: float | None = 3.0,
        max_pulse_ms: int = 1000,
        log_path: Path | None = None,
        realtime: bool = True,
    ) -> None:
        if isinstance(doors, bool) or not isinstance(doors, int) or doors < 1:
            raise ValueError(f"locker {name!r}: doors must be a positive integer, got {doors!r}")
        self.name = name
        self.doors = doors
        self.max_pulse_ms = check_max_pulse_ms(max_pulse_ms)
        self.sensors = sensors
        self.auto_open = auto_open
        self.open_delay = open_delay
        self.close_after = close_after
        self.log_path = Path(log_path) if log_path is not None else None
        self.realtime = realtime
        self.pulses: list[tuple[int, int, float]] = []
        self.energised: int | None = None
        self._pulse_lock = threading.Lock()
        self._state_lock = threading.Lock()  # guards the door states and timers below
        self._open = dict.fromkeys(range(1, doors + 1), False)
        self._stuck: set[int] = set()
        self._timers: dict[int, tuple[threading.Timer, object]] = {}  # door -> pending movement
        self._offline = False
        self._closed = False

    # -- the LockerBank interface -------------------------------------------------------------

    def pulse(self, door: int, ms: int) -> int:
        """Unlock ``door`` with a pulse of ``ms`` ms (clamped); return the length used."""
        check_door(door, self.doors, self.name)
        length = clamp_pulse_ms(ms, self.max_pulse_ms)
        with self._pulse_lock:
            self._check_reachable()
            self._append_log(door, length)
            self.pulses.append((door, length, time.monotonic()))
            self.energised = door
            try:
                if self.auto_open and door not in self._stuck:
                    self._schedule(door, self.open_delay, self._auto_open)
                if self.realtime:
                    time.sleep(length / 1000)
            finally:
                self.energised = None
        log.info("sim locker %s: pulsed door %d for %d ms", self.name, door, length)
        return length

    def door_open(self, door: int) -> bool | None:
        """The simulated sensor; raises ``DeviceOffline`` while the bank is set offline."""
        check_door(door, self.doors, self.name)
        if not self.sensors:
            return None
        self._check_reachable()
        with self._state_lock:
            return self._open[door]

    def all_off(self) -> None:
        """Nothing stays energised between pulses in the simulator; kept for the interface."""
        self.energised = None

    def status(self) -> DeviceStatus:
        """OFFLINE while set offline or closed, else OK with every door's state."""
        status = DeviceStatus(kind="locker", name=self.name, info={"max_pulse_ms": self.max_pulse_ms})
        with self._state_lock:
            if not self.sensors or self._offline or self._closed:
                status.info["doors"] = {n: "unknown" for n in self._open}
            else:
                status.info["doors"] = {n: "open" if o else "closed" for n, o in self._open.items()}
        status.info["pulses"] = len(self.pulses)
        if self._offline or self._closed:
            status.state = DeviceState.OFFLINE
            status.reasons.append("offline" if self._offline else "closed")
            status.detail = "simulated locker offline" if self._offline else "locker bank closed"
        return status

    def close(self) -> None:
        """Cancel pending door movements; later pulses raise ``DeviceOffline``."""
        with self._state_lock:
            self._closed = True
            for timer, _token in self._timers.values():
                timer.cancel()
            self._timers.clear()
        self.all_off()

    # -- scripting for tests and the demo ----------------------------------------------------

    def open_door(self, door: int) -> None:
        """Someone pulls the door open (it stays open until ``close_door``)."""
        check_door(door, self.doors, self.name)
        with self._state_lock:
            self._cancel(door)
            self._open[door] = True

    def close_door(self, door: int) -> None:
        """Someone pushes the door shut."""
        check_door(door, self.doors, self.name)
        with self._state_lock:
            self._cancel(door)
            self._open[door] = False

    def set_stuck(self, door: int, stuck: bool = True) -> None:
        """A jammed lock: pulses still happen (and are counted) but the door does not open."""
        check_door(door, self.doors, self.name)
        with self._state_lock:
            if stuck:
                self._stuck.add(door)
            else:
                self._stuck.discard(door)

    def set_offline(self, offline: bool = True) -> None:
        """Unplug (True) or reconnect (False) the simulated bank."""
        self._offline = offline
        log.info("sim locker %s: %s", self.name, "offline" if offline else "online")

    # -- helpers ------------------------------------------------------------------------------

    def _check_reachable(self) -> None:
        if self._closed:
            raise DeviceOffline(f"locker {self.name!r} is closed")
        if self._offline:
            raise DeviceOffline(f"simulated locker {self.name!r} is offline")

    def _append_log(self, door: int, length: int) -> None:
        if self.log_path is None:
            return
        line = json.dumps({"door": door, "ms": length, "at": time.time()}) + "\n"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())

    def _schedule(self, door: int, delay: float, action) -> None:
        with self._state_lock:
            if self._closed:
                return
            self._cancel(door)
            token = object()  # lets the callback tell whether it was cancelled or superseded
            timer = threading.Timer(max(0.0, delay), action, args=(door, token))
            timer.daemon = True
            self._timers[door] = (timer, token)
            timer.start()

    def _cancel(self, door: int) -> None:
        pending = self._timers.pop(door, None)
        if pending is not None:
            pending[0].cancel()

    def _is_current(self, door: int, token: object) -> bool:
        pending = self._timers.get(door)
        return pending is not None and pending[1] is token

    def _auto_open(self, door: int, token: object) -> None:
        with self._state_lock:
            if not self._is_current(door, token) or door in self._stuck:
                return
            del self._timers[door]
            self._open[door] = True
        if self.close_after is not None:
            self._schedule(door, self.close_after, self._auto_close)

    def _auto_close(self, door: int, token: object) -> None:
        with self._state_lock:
            if not self._is_current(door, token):
                return
            del self._timers[door]
            self._open[door] = False
