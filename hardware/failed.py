"""Stand-ins for devices that failed to start (moonraker's ``failed_components``).

When a driver's constructor raises (no GPIO access, a missing library, a port that cannot be
opened), the composition root puts one of these in its place, so the rest of the process serves:
each stand-in reports itself OFFLINE with the reason ``failed-at-start`` and the error as detail,
actuates nothing (a pulse or a print raises ``DeviceOffline``, which the release protocol reads as
"nothing was energised"), and has nothing to close. A restart tries the real driver again.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from hardware.errors import DeviceOffline
from hardware.locker.interface import LockerBank
from hardware.printer.interface import JobStatus, Printer
from hardware.scanner.interface import OnRead, Scanner
from hardware.signals.interface import LaneSignals
from hardware.status import DeviceState, DeviceStatus

FAILED_AT_START = "failed-at-start"


def describe_failure(exc: BaseException) -> str:
    """The error as a technician reads it: its type and message."""
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


class FailedDevice:
    """What every stand-in shares: ``error`` says why the real driver did not start."""

    kind = "device"

    def __init__(self, name: str, error: str) -> None:
        self.name = name
        self.error = error

    def status(self) -> DeviceStatus:
        return DeviceStatus(
            kind=self.kind,
            name=self.name,
            state=DeviceState.OFFLINE,
            reasons=[FAILED_AT_START],
            detail=f"failed at start: {self.error}",
        )

    def _refuse(self):
        raise DeviceOffline(f"{self.kind} {self.name!r} failed at start: {self.error}")

    def close(self) -> None:
        pass


class FailedLockerBank(FailedDevice, LockerBank):
    """A locker bank whose driver did not start; it keeps the configured door count."""

    kind = "locker"

    def __init__(self, name: str, doors: int, error: str) -> None:
        super().__init__(name, error)
        self.doors = doors

    def pulse(self, door: int, ms: int) -> int:
        self._refuse()

    def door_open(self, door: int) -> bool | None:
        self._refuse()

    def wait_open(self, door: int, timeout: float) -> bool | None:
        self._refuse()

    def all_off(self) -> None:
        pass  # no relay was ever driven


class FailedPrinter(FailedDevice, Printer):
    kind = "printer"

    def submit(self, pdf: Path, job_name: str) -> int:
        self._refuse()

    def job(self, job_id: int) -> JobStatus:
        self._refuse()

    def find_jobs(self, job_name: str) -> list[JobStatus]:
        self._refuse()

    def cancel(self, job_id: int) -> None:
        self._refuse()


class FailedScanner(FailedDevice, Scanner):
    kind = "scanner"

    def start(self, on_read: OnRead) -> None:
        pass  # nothing to read from

    def stop(self) -> None:
        pass

    def set_awake(self, awake: bool) -> None:
        pass  # a camera's wake-on-vehicle has nothing to wake


class FailedSignals(FailedDevice, LaneSignals):
    """Lights, buzzer and vehicle sensor that did not start: silent, and no car is ever seen."""

    kind = "signals"

    def show(self, state: str) -> None:
        pass

    def beep(self, pattern: str) -> None:
        pass

    def silence(self) -> None:
        pass

    def vehicle_present(self) -> bool | None:
        return None

    def on_vehicle(self, callback: Callable[[bool], None]) -> None:
        pass
