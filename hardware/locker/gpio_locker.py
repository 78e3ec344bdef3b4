"""A locker bank driven by Raspberry Pi GPIO: one relay per door lock, optional door sensors.

Each door's lock hangs off a relay channel driven by a gpiozero ``OutputDevice``; each door
sensor (a reed switch) is read by a ``DigitalInputDevice``. The pin factory is passed in, so tests
use gpiozero's ``MockFactory`` and the Pi uses lgpio (or whatever gpiozero picks by default).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from functools import partial
from time import sleep

from gpiozero import DigitalInputDevice, OutputDevice
from gpiozero.exc import GPIOPinInUse

from hardware.errors import DeviceOffline, LockerError
from hardware.locker.interface import DOOR_LEFT_OPEN_SECONDS, LockerBank
from hardware.locker.pulse_rules import check_door, check_max_pulse_ms, clamp_pulse_ms
from hardware.status import DeviceState, DeviceStatus

log = logging.getLogger(__name__)

SENSOR_LEVELS = ("high", "low")


class GpioLockerBank(LockerBank):
    """A bank of doors: door N's relay is ``relay_pins[N-1]``, its sensor ``sensor_pins[N-1]``.

    ``relay_active_high=False`` suits the common opto-isolated relay boards that switch on a low
    input. ``sensor_pins`` may be ``None`` (no sensors) or hold ``None`` for a door without one.
    ``sensor_open_when`` is the pin level ("high" or "low") that means the door is open; with the
    default pull-up and a reed switch to ground that closes when the door shuts, that is "high".
    A door read open for longer than ``open_warn_after`` seconds turns the status to WARNING;
    ``clock`` (monotonic seconds) times that, from the sensor's edges.

    Raises ``DeviceOffline`` when the pin factory cannot reach the GPIO hardware and
    ``LockerError`` (reason ``bad-pin``) when a pin does not exist or is already in use.
    """

    def __init__(
        self,
        *,
        name: str,
        relay_pins: list[int | str],
        sensor_pins: list[int | str | None] | None = None,
        relay_active_high: bool = True,
        sensor_pull_up: bool = True,
        sensor_open_when: str = "high",
        max_pulse_ms: int = 1000,
        open_warn_after: float = DOOR_LEFT_OPEN_SECONDS,
        pin_factory=None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not relay_pins:
            raise ValueError(f"locker {name!r}: relay_pins must name at least one pin")
        if sensor_pins is not None and len(sensor_pins) != len(relay_pins):
            raise ValueError(
                f"locker {name!r}: {len(sensor_pins)} sensor pins for {len(relay_pins)} doors "
                "(use None for a door without a sensor)"
            )
        if sensor_open_when not in SENSOR_LEVELS:
            raise ValueError(f"locker {name!r}: sensor_open_when must be 'high' or 'low'")
        self.name = name
        self.doors = len(relay_pins)
        self.max_pulse_ms = check_max_pulse_ms(max_pulse_ms)
        self.open_warn_after = open_warn_after
        self._clock = clock
        self._opened_at: dict[int, float] = {}  # door -> clock() when its sensor last read open
        # gpiozero's DigitalInputDevice is "active" when the pin is low with a pull-up and high
        # without; the door is open when the pin sits at sensor_open_when.
        self._open_is_active = (sensor_open_when == "low") == sensor_pull_up
        self._pulse_lock = threading.Lock()
        self._closed = False
        self._fault: tuple[str, str] | None = None  # (reason, detail) until the next good pulse
        self._relays: list[OutputDevice] = []
        self._sensors: list[DigitalInputDevice | None] = []
        try:
            for pin in relay_pins:
                self._relays.append(
                    OutputDevice(
                        pin, active_high=relay_active_high, initial_value=False, pin_factory=pin_factory
                    )
                )
            for pin in sensor_pins or [None] * self.doors:
                self._sensors.append(
                    None
                    if pin is None
                    else DigitalInputDevice(pin, pull_up=sensor_pull_up, pin_factory=pin_factory)
                )
        except Exception as exc:
            self._release_devices()
            if isinstance(exc, ValueError):  # gpiozero's PinInvalidPin and friends
                raise LockerError(f"locker {name!r}: bad GPIO pin: {exc}", reason="bad-pin") from exc
            if isinstance(exc, GPIOPinInUse):
                raise LockerError(f"locker {name!r}: GPIO pin in use: {exc}", reason="bad-pin") from exc
            raise DeviceOffline(
                f"locker {name!r}: cannot open GPIO pins ({type(exc).__name__}: {exc}); "
                "is this a Raspberry Pi with a working pin factory (lgpio)?"
            ) from exc
        for door, sensor in enumerate(self._sensors, start=1):
            if sensor is None:
                continue
            # the sensor's edges time "left open" on our clock (gpiozero's own times its ticks)
            opened, shut = partial(self._door_edge, door, True), partial(self._door_edge, door, False)
            sensor.when_activated = opened if self._open_is_active else shut
            sensor.when_deactivated = shut if self._open_is_active else opened
            if self._sensor_reads_open(sensor):
                self._opened_at[door] = self._clock()
        log.info(
            "locker %s: %d doors, %s sensors, max pulse %d ms",
            name,
            self.doors,
            sum(s is not None for s in self._sensors),
            self.max_pulse_ms,
        )

    # -- actuation ----------------------------------------------------------------------------

    def pulse(self, door: int, ms: int) -> int:
        """Energise ``door``'s relay for ``ms`` ms (clamped to 1..max_pulse_ms); return the length used.

        Pulses of one bank never overlap: a second caller waits for the first to finish. The relay
        is switched off in a ``finally``, so no exception leaves it on. A failure raises
        ``LockerError``: reason ``relay-failed`` when the relay never switched on, reason
        ``pulse-interrupted`` when it did (the door may have unlocked; read the sensor).
        """
        check_door(door, self.doors, self.name)
        length = clamp_pulse_ms(ms, self.max_pulse_ms)
        if length != ms:
            log.warning("locker %s: pulse of %r ms clamped to %d ms", self.name, ms, length)
        with self._pulse_lock:
            self._check_usable()
            relay = self._relays[door - 1]
            energised = False
            try:
                try:
                    relay.on()
                    energised = True
                    sleep(length / 1000)
                finally:
                    switched_off = self._switch_off(door, relay)
            except Exception as exc:
                if self._stuck_on():
                    reason = "relay-stuck-on"  # the worse failure wins, and keeps pulses refused
                else:
                    reason = "pulse-interrupted" if energised else "relay-failed"
                    self._fault = (reason, f"door {door}: {type(exc).__name__}: {exc}")
                self.all_off()  # safety rule: every relay off after an error
                log.error("locker %s: pulse of door %d failed (%s): %s", self.name, door, reason, exc)
                raise LockerError(
                    f"locker {self.name!r}: pulse of door {door} failed ({reason}): {exc}", reason=reason
                ) from exc
            if not switched_off:
                self.all_off()
                raise LockerError(
                    f"locker {self.name!r}: door {door} relay did not switch off", reason="relay-stuck-on"
                )
            self._fault = None
        log.info("locker %s: pulsed door %d for %d ms", self.name, door, length)
        return length

    def all_off(self) -> None:
        """Switch every relay off now, without waiting for a pulse in progress to end."""
        for door, relay in enumerate(self._relays, start=1):
            if not relay.closed:
                self._switch_off(door, relay)

    # -- sensors ------------------------------------------------------------------------------

    def door_open(self, door: int) -> bool | None:
        """True open, False closed, None when the door has no sensor."""
        check_door(door, self.doors, self.name)
        sensor = self._sensors[door - 1]
        if sensor is None:
            return None
        self._check_not_closed()
        return self._sensor_reads_open(sensor)

    def wait_open(self, door: int, timeout: float) -> bool | None:
        """Wait up to ``timeout`` s for the door's sensor to read open, on the pin's edge event."""
        check_door(door, self.doors, self.name)
        sensor = self._sensors[door - 1]
        if sensor is None:
            return None
        self._check_not_closed()
        wait = sensor.wait_for_active if self._open_is_active else sensor.wait_for_inactive
        return bool(wait(timeout=max(0.0, timeout)))

    def _sensor_reads_open(self, sensor: DigitalInputDevice) -> bool:
        return bool(sensor.is_active) == self._open_is_active

    def _door_edge(self, door: int, is_open: bool) -> None:
        """From gpiozero's event thread: the door's sensor changed."""
        if is_open:
            self._opened_at.setdefault(door, self._clock())
        else:
            self._opened_at.pop(door, None)

    def _open_for(self, door: int, sensor: DigitalInputDevice) -> float | None:
        """Seconds the door behind ``sensor`` has been open, or None when it is closed."""
        if not self._sensor_reads_open(sensor):
            return None
        opened = self._opened_at.setdefault(door, self._clock())  # an edge we missed: open from now
        return self._clock() - opened

    # -- health and shutdown ------------------------------------------------------------------

    def status(self) -> DeviceStatus:
        """Door states from the sensors; ERROR after a failed pulse, WARNING for a door left open."""
        status = DeviceStatus(kind="locker", name=self.name, info={"max_pulse_ms": self.max_pulse_ms})
        if self._closed:
            status.state = DeviceState.OFFLINE
            status.reasons.append("closed")
            status.detail = "locker bank closed"
            status.info["doors"] = {n: "unknown" for n in range(1, self.doors + 1)}
            return status
        doors: dict[int, str] = {}
        left_open: list[int] = []
        for n, sensor in enumerate(self._sensors, start=1):
            if sensor is None:
                doors[n] = "unknown"
                continue
            open_for = self._open_for(n, sensor)
            doors[n] = "open" if open_for is not None else "closed"
            if open_for is not None and open_for >= self.open_warn_after:
                left_open.append(n)
        status.info["doors"] = doors
        status.info["relays_on"] = [n for n, r in enumerate(self._relays, start=1) if r.is_active]
        if self._fault is not None:
            status.state = DeviceState.ERROR
            status.reasons.append(self._fault[0])
            status.detail = self._fault[1]
        elif left_open:
            status.state = DeviceState.WARNING
            status.reasons.append("door-left-open")
            status.detail = "door(s) " + ", ".join(map(str, left_open)) + " left open"
        return status

    def close(self) -> None:
        """Switch every relay off and release the pins; waits briefly for a pulse in progress."""
        if self._closed:
            return
        got_lock = self._pulse_lock.acquire(timeout=self.max_pulse_ms / 1000 + 1.0)
        try:
            self.all_off()
            self._closed = True
            self._release_devices()
        finally:
            if got_lock:
                self._pulse_lock.release()
        log.info("locker %s: closed", self.name)

    # -- helpers ------------------------------------------------------------------------------

    def _check_not_closed(self) -> None:
        if self._closed:
            raise DeviceOffline(f"locker {self.name!r} is closed")

    def _check_usable(self) -> None:
        self._check_not_closed()
        if self._stuck_on():
            raise LockerError(
                f"locker {self.name!r} refuses to pulse: a relay did not switch off ({self._fault[1]})",
                reason="relay-stuck-on",
            )

    def _stuck_on(self) -> bool:
        return self._fault is not None and self._fault[0] == "relay-stuck-on"

    def _switch_off(self, door: int, relay: OutputDevice) -> bool:
        """Switch one relay off; on failure record the fault (never raises) and return False."""
        try:
            relay.off()
            return True
        except Exception as exc:
            # Nothing more the software can do; refuse further pulses so a technician looks at it.
            self._fault = ("relay-stuck-on", f"door {door}: could not switch relay off: {exc}")
            log.critical("locker %s: could not switch door %d relay off: %s", self.name, door, exc)
            return False

    def _release_devices(self) -> None:
        for device in [*self._relays, *self._sensors]:
            if device is None:
                continue
            try:
                device.close()
            except Exception as exc:  # closing must go on for the other pins
                log.warning("locker %s: closing %r failed: %s", self.name, device, exc)
