"""The lane's two actuations, each written once and used by releases, staff door openings and
self-tests: the door pulse and the print follow-up (DESIGN 5, step 4).

Opening a door is always the same steps: tell the bank's door watch that an opening is coming (so
it is not taken for a forced door), one bounded pulse through the driver, wait for the sensor to
read open, and give the watch the result (repeated "not detected" puts the door out of service).

A print is always: submit the PDF under a job name, follow the job until it is final, stopped,
faulted for ``fault_grace`` seconds or past its timeout (then cancel it, so it never resumes by
itself), and judge it with the printer's state reasons (``print_outcome.judge``): released,
failed (nothing came out) or uncertain.

Callers journal INTENT before acting and DONE after; what the result means (a claim outcome, a
service outcome, a self-test verdict) is theirs to say. May import ``controller.kernel``,
``controller.lane.print_outcome`` and ``hardware`` interfaces.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from controller.kernel.outcomes import FAILED as PRINT_FAILED
from controller.kernel.outcomes import RELEASED, UNCERTAIN
from controller.lane.print_outcome import (
    QUEUE_BLOCKED_REASONS,
    UNCERTAIN_MESSAGE,
    can_print,
    describe,
    fault_message,
    judge,
    printer_problems,
)
from hardware.errors import DeviceError, DeviceOffline
from hardware.locker.door_watch import DoorWatch
from hardware.locker.interface import LockerBank
from hardware.printer.interface import JobState, JobStatus, Printer
from hardware.status import DeviceState

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


@dataclass(frozen=True)
class PrintSettings:
    """The print follow-up's limits."""

    print_timeout: float = 120.0
    poll_interval: float = 0.3
    fault_grace: float = 3.0  # a printer fault lasting this long during a job ends the wait


@dataclass(frozen=True)
class PrintResult:
    """``outcome``: released | failed | uncertain (``controller.kernel.outcomes``); ``reason``:
    the lane-screen message key ("" when released); ``detail``: the job and printer for staff."""

    outcome: str
    reason: str
    detail: str


class PrintActuator:
    """Prints on ``printer`` (None: this lane has none), spooling files in ``spool_dir``."""

    def __init__(self, printer: Printer | None, spool_dir: Path, settings: PrintSettings) -> None:
        self.printer = printer
        self.spool_dir = spool_dir
        self.settings = settings
        spool_dir.mkdir(parents=True, exist_ok=True)

    @property
    def available(self) -> bool:
        return self.printer is not None

    def can_print(self) -> bool:
        """A printer that can print now (``print_outcome.can_print``)."""
        return self.printer is not None and can_print(self.printer.status())

    def blocked(self) -> list[str]:
        """Why the queue cannot take a job at all ([] when it can). Paper and toner reasons don't
        count here: CUPS only refreshes them while a job runs, so only a new job can clear them."""
        status = self.printer.status()
        blocked = sorted(set(status.reasons) & QUEUE_BLOCKED_REASONS)
        if status.state == DeviceState.OFFLINE and not blocked:
            blocked = ["offline"]
        return blocked

    def spool(self, job_name: str, pdf: bytes) -> Path:
        """Write ``pdf`` where ``print`` takes it from."""
        path = self.spool_dir / f"{job_name}.pdf"
        path.write_bytes(pdf)
        return path

    def print(
        self,
        spool: Path,
        job_name: str,
        *,
        timeout: float | None = None,
        on_submitted: Callable[[int], None] = lambda job_id: None,
        on_progress: Callable[[int], None] = lambda pages_done: None,
    ) -> PrintResult:
        """Submit ``spool`` (removed once the printer has it) as ``job_name`` and follow the job to
        its end, for ``timeout`` seconds at most (default ``print_timeout``). ``on_submitted``
        gets the job id, ``on_progress`` the sheets out each time they change. Never raises a
        device error."""
        printer = self.printer
        if printer is None:
            spool.unlink(missing_ok=True)
            return PrintResult(PRINT_FAILED, "device.failed", "this lane has no printer")
        try:
            job_id = printer.submit(spool, job_name)
        except DeviceError as exc:
            return self._settle_failed_submit(job_name, exc, timeout, on_progress)
        finally:
            spool.unlink(missing_ok=True)
        on_submitted(job_id)
        return self._follow(job_id, timeout, on_progress)

    def _settle_failed_submit(self, job_name, exc: DeviceError, timeout, on_progress) -> PrintResult:
        """A submit that raised may still have queued the job: look before calling it failed."""
        try:
            jobs = self.printer.find_jobs(job_name)
        except DeviceError:
            return PrintResult(UNCERTAIN, UNCERTAIN_MESSAGE, f"submit: {exc}")
        if not jobs:  # refused: nothing can have come out
            return PrintResult(PRINT_FAILED, fault_message([exc.reason]), f"submit: {exc}")
        return self._follow(jobs[-1].job_id, timeout, on_progress)

    def _follow(self, job_id: int, timeout: float | None, on_progress) -> PrintResult:
        printer, settings = self.printer, self.settings
        deadline = time.monotonic() + (settings.print_timeout if timeout is None else timeout)
        last_pages = -1
        job: JobStatus | None = None
        faulty, fault_since = False, None
        while True:
            try:
                job = printer.job(job_id)
            except DeviceError as exc:
                return PrintResult(UNCERTAIN, UNCERTAIN_MESSAGE, f"follow: {exc}")
            if job.pages_done != last_pages:
                last_pages = job.pages_done
                on_progress(job.pages_done)
            if job.state.final or job.state == JobState.STOPPED or time.monotonic() > deadline:
                break
            if job.state == JobState.PROCESSING:
                # a reason left over from the previous job clears when ours starts: only a fault
                # that lasts ``fault_grace`` ends the wait (out of paper, jammed, offline...)
                faulty = bool(printer_problems(printer.status()))
                if (
                    faulty
                    and fault_since is not None
                    and time.monotonic() - fault_since >= settings.fault_grace
                ):
                    break  # tell the driver now, not at the timeout
            if not faulty:
                fault_since = None
            elif fault_since is None:
                fault_since = time.monotonic()
            time.sleep(settings.poll_interval)
        status = printer.status()
        problems = printer_problems(status)
        if job.state == JobState.COMPLETED and not problems:
            return PrintResult(RELEASED, "", f"job {job_id} completed")
        cancelled = False
        if not job.state.final:  # stopped, or past its timeout: never let it resume by itself
            try:
                printer.cancel(job_id)
                job = printer.job(job_id)  # a sheet may have come out since the last look
            except DeviceError as exc:
                return PrintResult(
                    UNCERTAIN, UNCERTAIN_MESSAGE, f"{describe(job, status, problems)}; cancel: {exc}"
                )
            cancelled = True
        outcome, reason = judge(job, problems, cancelled=cancelled)
        return PrintResult(outcome, reason, describe(job, status, problems))
