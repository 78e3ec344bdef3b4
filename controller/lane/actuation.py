"""The one door pulse of the lane: used by releases, staff door openings and self-tests.

Opening a door is always the same steps (DESIGN 5, step 4): tell the bank's door watch that an
opening is coming (so it is not taken for a forced door), one bounded pulse through the driver,
wait for the sensor to read open, and give the watch the result (repeated "not detected" puts
the door out of service). Callers journal INTENT before ``open`` and DONE after it; what the
outcome means (a claim outcome, a service outcome, a self-test verdict) is theirs to say.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from hardware.errors import DeviceError, DeviceOffline
from hardware.locker.door_watch import DoorWatch
from hardware.locker.interface import LockerBank

log = logging.getLogger(__name__)

# locker errors that guarantee the lock was never energised (anything else: maybe it was)
NOTHING_ACTUATED = frozenset({"no-such-door", "relay-failed", "offline"})

OPENED, NOT_DETECTED, FAILED = "opened", "not_detected", "failed"


@dataclass(frozen=True)
class DoorResult:
    """``opened`` (``sensed`` None: no sensor to say so), ``not_detected`` (pulsed, or maybe
    pulsed, and no sensor saw it open) or ``failed`` (nothing was energised)."""

    outcome: str
    detail: str
    sensed: bool | None = None


class DoorActuator:
    """Pulses the doors of ``lockers``; ``door_watches`` maps a bank id to its ``DoorWatch``."""

    def __init__(
        self,
        lockers: dict[str, LockerBank],
        door_watches: dict[str, DoorWatch],
        *,
        pulse_ms: int,
        door_open_timeout: float,
    ) -> None:
        self.lockers = lockers
        self.door_watches = door_watches
        self.pulse_ms = pulse_ms
        self.door_open_timeout = door_open_timeout

    def has_bank(self, bank_id: str | None) -> bool:
        return (bank_id or "") in self.lockers

    def out_of_service(self, bank_id: str, door: int) -> bool:
        """True when the door watch took ``door`` out of service (the lane must not use it)."""
        watch = self.door_watches.get(bank_id)
        return watch is not None and door in watch.out_of_service()

    def open(self, bank_id: str, door: int) -> DoorResult:
        """Pulse ``door`` once and watch its sensor; never raises a device error."""
        bank = self.lockers.get(bank_id)
        if bank is None:
            return DoorResult(FAILED, f"locker bank {bank_id!r} is not on this lane")
        watch = self.door_watches.get(bank_id)
        if watch is not None:  # an opening now is ours, not a forced door
            watch.expect_open(door, within_s=self.door_open_timeout + 2)
        try:
            bank.pulse(door, self.pulse_ms)
        except DeviceError as exc:
            if isinstance(exc, DeviceOffline) or exc.reason in NOTHING_ACTUATED:
                return DoorResult(FAILED, f"pulse: {exc}")
            return DoorResult(NOT_DETECTED, f"pulse: {exc}")
        try:
            opened = bank.wait_open(door, self.door_open_timeout)
        except DeviceError as exc:  # pulsed, and the sensor cannot say what happened
            log.warning("locker %s door %d: sensor not readable after the pulse: %s", bank_id, door, exc)
            return DoorResult(NOT_DETECTED, f"sensor: {exc}")
        if watch is not None:
            watch.record_result(door, opened)  # repeated "not detected" -> out of service
        if opened is False:
            return DoorResult(NOT_DETECTED, "sensor did not read open", sensed=False)
        return DoorResult(OPENED, "door opened" if opened else "no door sensor", sensed=opened)

    def read(self, bank_id: str, door: int) -> bool | None:
        """The door sensor now: True open, False closed, None no sensor or not readable."""
        bank = self.lockers.get(bank_id)
        if bank is None:
            return None
        try:
            return bank.door_open(door)
        except DeviceError as exc:
            log.warning("door sensor of bank %s door %d not readable: %s", bank_id, door, exc)
            return None
