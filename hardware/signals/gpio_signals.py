"""Lane signals on Raspberry Pi GPIO: lamps and a buzzer (gpiozero), a vehicle-present input.

Every output is a gpiozero ``LED``/``Buzzer`` on its own pin and any of them may be left out (a
two-colour traffic light has no amber). Beep patterns and blinking lamps run on gpiozero's
background blink threads, so no call blocks the lane. The vehicle input (an induction-loop
detector or light-beam relay contact) is debounced here rather than with gpiozero's
``bounce_time``: pin libraries differ in how they filter, and a car rolling over a loop flickers
for far longer than switch bounce, so a level has to hold for ``vehicle_bounce_s`` to count.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from gpiozero import LED, Buzzer, DigitalInputDevice
from gpiozero.exc import GPIOPinInUse

from hardware.errors import DeviceError, DeviceOffline
from hardware.signals.interface import (
    BEEP_PATTERNS,
    BLINK,
    BLINK_S,
    COLOURS,
    BeepPattern,
    LaneSignals,
    check_light_state,
    check_pattern,
    light_plan,
    notify_vehicle,
)
from hardware.status import DeviceState, DeviceStatus

log = logging.getLogger(__name__)


class GpioSignals(LaneSignals):
    """Lamps on ``green_pin``/``amber_pin``/``red_pin``, a buzzer on ``buzzer_pin``, a vehicle sensor
    on ``vehicle_pin``; ``None`` means not fitted.

    ``active_high=False`` suits relay boards that switch on a low input (it applies to the lamps
    and the buzzer). ``vehicle_active_low=True`` is the usual open-collector detector output that
    pulls the pin low while a vehicle is there (the internal pull-up holds it high otherwise).
    ``patterns`` overrides beep timings by name.

    Raises ``DeviceOffline`` when the pin factory cannot reach the GPIO hardware and
    ``DeviceError`` (reason ``bad-pin``) when a pin does not exist or is already in use.
    """

    def __init__(
        self,
        *,
        green_pin: int | str | None = None,
        amber_pin: int | str | None = None,
        red_pin: int | str | None = None,
        buzzer_pin: int | str | None = None,
        vehicle_pin: int | str | None = None,
        active_high: bool = True,
        vehicle_active_low: bool = True,
        vehicle_bounce_s: float = 0.5,
        patterns: dict[str, BeepPattern] | None = None,
        name: str = "signals",
        pin_factory=None,
    ) -> None:
        if vehicle_bounce_s < 0:
            raise ValueError(f"vehicle_bounce_s must be >= 0, got {vehicle_bounce_s!r}")
        self.name = name
        self._patterns = {**BEEP_PATTERNS, **(patterns or {})}
        self._bounce_s = vehicle_bounce_s
        self._lock = threading.RLock()
        self._lamps: dict[str, LED] = {}
        self._buzzer: Buzzer | None = None
        self._vehicle: DigitalInputDevice | None = None
        self._light = "off"
        self._alarming = False
        self._faults: dict[str, str] = {}  # output group ("light", "buzzer") -> what failed
        self._present: bool | None = None
        self._settle_timer: threading.Timer | None = None
        self._callbacks: list[Callable[[bool], None]] = []
        self._closed = False
        pins = {"green": green_pin, "amber": amber_pin, "red": red_pin}
        try:
            for colour in COLOURS:
                if pins[colour] is not None:
                    self._lamps[colour] = LED(
                        pins[colour], active_high=active_high, initial_value=False, pin_factory=pin_factory
                    )
            if buzzer_pin is not None:
                self._buzzer = Buzzer(
                    buzzer_pin, active_high=active_high, initial_value=False, pin_factory=pin_factory
                )
            if vehicle_pin is not None:
                # pull_up=True makes the device active while the pin is low: active == vehicle here
                self._vehicle = DigitalInputDevice(
                    vehicle_pin, pull_up=vehicle_active_low, pin_factory=pin_factory
                )
        except Exception as exc:
            self._release_devices()
            if isinstance(exc, ValueError | GPIOPinInUse):  # PinInvalidPin and friends
                raise DeviceError(f"signals {name!r}: bad GPIO pin: {exc}", reason="bad-pin") from exc
            raise DeviceOffline(
                f"signals {name!r}: cannot open GPIO pins ({type(exc).__name__}: {exc}); "
                "is this a Raspberry Pi with a working pin factory (lgpio)?"
            ) from exc
        if self._vehicle is not None:
            self._present = bool(self._vehicle.is_active)
            self._vehicle.when_activated = self._vehicle_edge
            self._vehicle.when_deactivated = self._vehicle_edge
        log.info(
            "signals %s: lamps %s, buzzer %s, vehicle sensor %s",
            name,
            ",".join(self._lamps) or "none",
            "yes" if self._buzzer else "no",
            "yes" if self._vehicle else "no",
        )

    # -- light and buzzer ---------------------------------------------------------------------

    def show(self, state: str) -> None:
        plan = light_plan(check_light_state(state), frozenset(self._lamps))
        with self._lock:
            if self._closed:
                return
            try:
                for colour, lamp in self._lamps.items():  # all off first: never two lamps at once
                    if colour not in plan:
                        lamp.off()
                for colour, how in plan.items():
                    if how == BLINK:
                        self._lamps[colour].blink(on_time=BLINK_S, off_time=BLINK_S, background=True)
                    else:
                        self._lamps[colour].on()
            except Exception as exc:
                self._output_failed("light", exc)
                return
            self._light = state
            self._faults.pop("light", None)

    def beep(self, pattern: str) -> None:
        timing = check_pattern(pattern, self._patterns)
        with self._lock:
            if self._closed or self._buzzer is None:
                return
            if self._alarming and pattern != "alarm":
                log.debug("signals %s: %s beep dropped during the alarm", self.name, pattern)
                return
            try:
                self._buzzer.beep(on_time=timing.on_s, off_time=timing.off_s, n=timing.count, background=True)
            except Exception as exc:
                self._output_failed("buzzer", exc)
                return
            self._alarming = pattern == "alarm"
            self._faults.pop("buzzer", None)

    def silence(self) -> None:
        with self._lock:
            self._alarming = False
            if self._closed or self._buzzer is None:
                return
            try:
                self._buzzer.off()
            except Exception as exc:
                self._output_failed("buzzer", exc)

    # -- vehicle sensor -----------------------------------------------------------------------

    def vehicle_present(self) -> bool | None:
        return self._present

    def on_vehicle(self, callback: Callable[[bool], None]) -> None:
        with self._lock:
            self._callbacks.append(callback)

    def _vehicle_edge(self) -> None:
        """Any edge restarts the settle timer; only a level that holds is reported."""
        with self._lock:
            if self._closed:
                return
            if self._settle_timer is not None:
                self._settle_timer.cancel()
            self._settle_timer = threading.Timer(self._bounce_s, self._vehicle_settled)
            self._settle_timer.daemon = True
            self._settle_timer.start()

    def _vehicle_settled(self) -> None:
        with self._lock:
            if self._closed or self._vehicle is None:
                return
            present = bool(self._vehicle.is_active)
            if present == self._present:
                return  # a flicker that came back to where it was
            self._present = present
            callbacks = list(self._callbacks)
        log.info("signals %s: vehicle %s", self.name, "arrived" if present else "left")
        notify_vehicle(callbacks, present)

    # -- health and shutdown ------------------------------------------------------------------

    def status(self) -> DeviceStatus:
        with self._lock:
            status = DeviceStatus(
                kind="signals",
                name=self.name,
                info={
                    "light": self._light,
                    "vehicle_present": self._present,
                    "alarm": self._alarming,
                    "fitted": [c for c in COLOURS if c in self._lamps]
                    + (["buzzer"] if self._buzzer else [])
                    + (["vehicle"] if self._vehicle else []),
                },
            )
            if self._closed:
                status.state = DeviceState.OFFLINE
                status.reasons.append("closed")
                status.detail = "signals closed"
            elif self._faults:
                status.state = DeviceState.ERROR
                status.reasons.append("output-failed")
                status.detail = "; ".join(f"{group}: {what}" for group, what in self._faults.items())
        return status

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if self._settle_timer is not None:
                self._settle_timer.cancel()
            self._all_off()
            self._light = "off"
            self._alarming = False
        # outside the lock: a pin library may wait for its edge thread, which may want the lock
        self._release_devices()
        log.info("signals %s: closed", self.name)

    # -- helpers ------------------------------------------------------------------------------

    def _output_failed(self, group: str, exc: Exception) -> None:
        """Record the fault and go to the safe state; the lane keeps serving without signals."""
        self._faults[group] = f"{type(exc).__name__}: {exc}"
        log.error("signals %s: %s output failed, all outputs off: %s", self.name, group, exc)
        self._all_off()
        self._light = "off"
        self._alarming = False

    def _all_off(self) -> None:
        """Every lamp and the buzzer off; keeps going past an output that fails."""
        for device in [*self._lamps.values(), self._buzzer]:
            if device is None or device.closed:
                continue
            try:
                device.off()
            except Exception as exc:
                log.critical("signals %s: could not switch %r off: %s", self.name, device, exc)

    def _release_devices(self) -> None:
        for device in [*self._lamps.values(), self._buzzer, self._vehicle]:
            if device is None:
                continue
            try:
                device.close()
            except Exception as exc:  # closing must go on for the other pins
                log.warning("signals %s: closing %r failed: %s", self.name, device, exc)
