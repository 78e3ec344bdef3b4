"""Simulated lane signals: in-memory lamps, buzzer and vehicle sensor for the demo and the tests.

Keeps the GPIO driver's rules (the same light plan, alarms outrank other beeps, nothing raises
for a fault, safe state after a fault and on close) and is scriptable: ``set_vehicle`` plays a
car arriving or leaving, ``set_fault`` breaks the outputs. Inspect ``light``, ``lamps``,
``beeps`` (every pattern that sounded, in order) and ``alarming``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from hardware.signals.interface import (
    BEEP_PATTERNS,
    COLOURS,
    LaneSignals,
    check_light_state,
    check_pattern,
    light_plan,
    notify_vehicle,
)
from hardware.status import DeviceState, DeviceStatus

log = logging.getLogger(__name__)


class SimSignals(LaneSignals):
    """In-memory signals; ``lights`` lists the fitted lamps, ``vehicle_sensor=False`` has none."""

    def __init__(
        self,
        *,
        vehicle_sensor: bool = True,
        lights: tuple[str, ...] = COLOURS,
        buzzer: bool = True,
        name: str = "signals",
    ) -> None:
        unknown = set(lights) - set(COLOURS)
        if unknown:
            raise ValueError(f"unknown lamp colour(s): {', '.join(sorted(unknown))}")
        self.name = name
        self.fitted = frozenset(lights)
        self.has_buzzer = buzzer
        self.light = "off"
        self.lamps: dict[str, str] = {}  # colour -> "steady"/"blink", what is lit right now
        self.beeps: list[str] = []
        self.alarming = False
        self._present: bool | None = False if vehicle_sensor else None
        self._callbacks: list[Callable[[bool], None]] = []
        self._fault: str | None = None
        self._closed = False
        self._lock = threading.Lock()

    # -- the LaneSignals interface ------------------------------------------------------------

    def show(self, state: str) -> None:
        plan = light_plan(check_light_state(state), self.fitted)
        with self._lock:
            if self._closed or self._fault is not None:
                return
            self.light = state
            self.lamps = plan

    def beep(self, pattern: str) -> None:
        check_pattern(pattern, BEEP_PATTERNS)
        with self._lock:
            if self._closed or self._fault is not None or not self.has_buzzer:
                return
            if self.alarming and pattern != "alarm":
                return  # the alarm outranks every other pattern, as on the real buzzer
            self.beeps.append(pattern)
            self.alarming = pattern == "alarm"

    def silence(self) -> None:
        with self._lock:
            self.alarming = False

    def vehicle_present(self) -> bool | None:
        return self._present

    def on_vehicle(self, callback: Callable[[bool], None]) -> None:
        with self._lock:
            self._callbacks.append(callback)

    def status(self) -> DeviceStatus:
        with self._lock:
            status = DeviceStatus(
                kind="signals",
                name=self.name,
                info={
                    "light": self.light,
                    "vehicle_present": self._present,
                    "alarm": self.alarming,
                    "fitted": [c for c in COLOURS if c in self.fitted]
                    + (["buzzer"] if self.has_buzzer else [])
                    + (["vehicle"] if self._present is not None else []),
                },
            )
            if self._closed:
                status.state = DeviceState.OFFLINE
                status.reasons.append("closed")
                status.detail = "signals closed"
            elif self._fault is not None:
                status.state = DeviceState.ERROR
                status.reasons.append("output-failed")
                status.detail = self._fault
        return status

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._safe_state()

    # -- scripting for tests and the demo ----------------------------------------------------

    def set_vehicle(self, present: bool) -> None:
        """A vehicle arrives (True) or leaves (False); callbacks fire on a change, in this thread."""
        with self._lock:
            if self._present is None:
                raise RuntimeError("this simulated lane has no vehicle sensor")
            if self._closed or present == self._present:
                return
            self._present = present
            callbacks = list(self._callbacks)
        log.info("sim signals %s: vehicle %s", self.name, "arrived" if present else "left")
        notify_vehicle(callbacks, present)

    def set_fault(self, detail: str | None) -> None:
        """Break the outputs (``detail`` says how) or mend them (None): a broken output goes dark."""
        with self._lock:
            self._fault = detail
            if detail is not None:
                log.error("sim signals %s: output failed, all outputs off: %s", self.name, detail)
                self._safe_state()

    def _safe_state(self) -> None:
        self.light = "off"
        self.lamps = {}
        self.alarming = False
