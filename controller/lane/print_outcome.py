"""How a print ended, in the terms of DESIGN section 5 ("Failed vs not confirmed").

Written once, for the release (``controller.lane.release``) and for crash recovery:

- ``released``: the job completed and the printer shows no fault;
- ``failed`` (the pickup is claimable again): nothing can have come out, because the job was
  refused, or cancelled or aborted before its first sheet;
- ``uncertain`` (staff check the tray, then release or reprint): anything else, such as a job that
  completed or printed some sheets and then shows a printer error, or one that ran past its
  timeout. A printer that cannot count its sheets is taken to have printed some.
"""

from __future__ import annotations

from hardware.printer.interface import JobState, JobStatus
from hardware.printer.reasons import BLOCKING_REASONS
from hardware.status import DeviceState, DeviceStatus

# printer reasons that mean "the paper may not have come out", even for a completed job
NOT_CONFIRMED_REASONS = BLOCKING_REASONS | {"stopped", "not-accepting-jobs", "cupsd-unreachable"}

# queue states in which a submitted job would not even start
QUEUE_BLOCKED_REASONS = frozenset({"paused", "stopped", "not-accepting-jobs", "cupsd-unreachable"})

# the printer reason that best explains a print that did not come out, first match wins
FAULT_MESSAGES = (
    ({"media-empty", "media-needed", "input-tray-missing"}, "print.media_empty"),
    ({"media-jam"}, "print.media_jam"),
    ({"toner-empty", "marker-supply-empty"}, "print.toner_empty"),
    ({"door-open", "cover-open", "interlock-open"}, "print.door_open"),
    (
        {"offline", "cupsd-unreachable", "shutdown", "timed-out", "paused", "stopped", "not-accepting-jobs"},
        "print.offline",
    ),
)

# the lane-screen message of an uncertain print: staff will check, scanning again cannot help
UNCERTAIN_MESSAGE = "print.not_confirmed"


def fault_message(reasons, job_state=None) -> str:
    """The lane-screen message key for a print that failed (nothing came out): try again."""
    found = set(reasons)
    for keys, message in FAULT_MESSAGES:
        if found & keys:
            return message
    if job_state == JobState.ABORTED:
        return "print.aborted"
    return "print.not_printed"


def can_print(status: DeviceStatus) -> bool:
    """Whether a print can come out of a printer in ``status`` now (the lane refuses print codes,
    before any claim, while it cannot: out of paper, jammed, offline...). A paper fault that CUPS
    keeps reporting after a refill clears with the next job: a technician's test print."""
    return status.state in (DeviceState.OK, DeviceState.WARNING)


def printer_problems(status: DeviceStatus) -> list[str]:
    """The printer's reasons that leave a print not confirmed (an offline printer is one)."""
    problems = sorted(set(status.reasons) & NOT_CONFIRMED_REASONS)
    if status.state == DeviceState.OFFLINE and "offline" not in problems:
        problems.append("offline")
    return problems


def judge(job: JobStatus, problems: list[str], *, cancelled: bool = False) -> tuple[str, str]:
    """(outcome, lane-screen message key) for a job that is final or ``cancelled`` by the lane.

    A job that is neither is never ``failed``: a stopped job resumes when the fault clears.
    """
    if job.state == JobState.COMPLETED:
        return ("released", "") if not problems else ("uncertain", UNCERTAIN_MESSAGE)
    if job.nothing_out and (job.state.final or cancelled):
        return "failed", fault_message(problems, job.state)
    return "uncertain", UNCERTAIN_MESSAGE


def describe(job: JobStatus, status: DeviceStatus, problems: list[str]) -> str:
    """The job and the printer as staff need them, for the journal and the office's history."""
    sheets = f"{job.pages_done} sheet(s) {'out' if job.pages_exact else 'counted'}"
    if job.started is False:
        sheets += ", never started"
    return f"job {job.job_id} {job.state}, {sheets}; printer {status.state} {','.join(problems)}".strip()
