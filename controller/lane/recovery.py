"""Crash recovery at lane start: settle every release interrupted before DONE, never re-actuate.

- claiming, no INTENT: nothing was actuated; the claim is abandoned (the office makes the pickup
  claimable again when it hears of it).
- INTENT for a print: look the job up by its name (the claim id) in the print system.
- INTENT for a door: read the door sensor.
Whatever stays unknown becomes UNCERTAIN, for staff to resolve.
"""

from __future__ import annotations

import logging
import time

from controller.lane.journal import Journal, Release
from controller.lane.print_outcome import describe, judge, printer_problems
from hardware.errors import DeviceError
from hardware.locker.interface import LockerBank
from hardware.printer.interface import JobState, Printer
from hardware.status import DeviceState

log = logging.getLogger(__name__)


def recover(
    journal: Journal,
    printer: Printer | None,
    lockers: dict[str, LockerBank],
    *,
    follow_seconds: float = 30.0,
) -> list[tuple[str, str, str]]:
    """Settle every unfinished release; returns (claim_id, outcome, detail) for each."""
    settled = []
    for release in journal.unfinished():
        if (release.action or {}).get("service"):
            # a door opened for staff (loading), not a pickup: nothing to tell the office
            outcome, detail = "service_interrupted", "a staff door opening was interrupted"
        elif release.stage == "claiming":
            outcome, detail = "abandoned", "interrupted before the claim was answered"
        elif (release.action or {}).get("kind") == "print":
            outcome, detail = _settle_print(release, printer, follow_seconds)
        elif (release.action or {}).get("kind") == "door":
            outcome, detail = _settle_door(release, lockers)
        else:
            outcome, detail = "uncertain", "unknown action in the journal"
        journal.done(release.claim_id, outcome, f"recovery: {detail}")
        log.warning("recovered claim %s as %s (%s)", release.claim_id, outcome, detail)
        settled.append((release.claim_id, outcome, detail))
    return settled


def _settle_print(release: Release, printer: Printer | None, follow_seconds: float) -> tuple[str, str]:
    if printer is None:
        return "uncertain", "no printer configured to look the job up"
    try:
        jobs = printer.find_jobs(release.claim_id)
        if not jobs:
            # most likely never submitted, but a print system that hides other clients' jobs
            # answers the same: only staff can tell, so never make it claimable again here
            return "uncertain", "no print job found under this claim"
        job = jobs[-1]
        deadline = time.monotonic() + follow_seconds
        while not job.state.final and job.state != JobState.STOPPED and time.monotonic() < deadline:
            time.sleep(0.3)
            job = printer.job(job.job_id)
        status = printer.status()
    except DeviceError as exc:
        return "uncertain", f"printer not reachable: {exc}"
    problems = printer_problems(status)
    if status.state not in (DeviceState.OK, DeviceState.WARNING) and not problems:
        problems = [str(status.state)]  # a printer in error for a reason not listed: not confirmed
    outcome, _reason = judge(job, problems)  # a job still stopped is not cancelled here: uncertain
    return outcome, describe(job, status, problems)


def _settle_door(release: Release, lockers: dict[str, LockerBank]) -> tuple[str, str]:
    action = release.action or {}
    bank = lockers.get(action.get("bank", ""))
    if bank is None:
        return "uncertain", f"locker bank {action.get('bank')!r} not configured"
    try:
        is_open = bank.door_open(int(action["door"]))
    except DeviceError as exc:
        return "uncertain", f"door sensor not readable: {exc}"
    if is_open:
        return "released", "door found open"
    return "uncertain", "door closed or no sensor: was the item taken?"
