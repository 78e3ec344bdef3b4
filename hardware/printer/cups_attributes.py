"""IPP attributes as pycups returns them, turned into ``JobStatus`` and ``DeviceStatus``."""

from __future__ import annotations

from typing import Any

from hardware.errors import PrinterError
from hardware.printer.interface import JobState, JobStatus
from hardware.printer.reasons import classify, normalize_reasons
from hardware.status import DeviceState, DeviceStatus

JOB_STATES = {
    3: JobState.PENDING,
    4: JobState.HELD,
    5: JobState.PROCESSING,
    6: JobState.STOPPED,
    7: JobState.CANCELLED,
    8: JobState.ABORTED,
    9: JobState.COMPLETED,
}
PRINTER_STATES = {3: "idle", 4: "processing", 5: "stopped"}

JOB_ATTRIBUTES = [
    "job-id",
    "job-name",
    "job-state",
    "job-state-reasons",
    "job-printer-uri",
    "job-media-sheets-completed",
    "job-impressions-completed",
    "time-at-processing",
]
PRINTER_ATTRIBUTES = [
    "printer-state",
    "printer-state-reasons",
    "printer-state-message",
    "printer-is-accepting-jobs",
    "printer-error-policy",
    "marker-names",
    "marker-types",
    "marker-levels",
]


def as_list(value: Any) -> list:
    """pycups gives a scalar for a one-value attribute and a list for several."""
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def job_status(job_id: int, attrs: dict) -> JobStatus:
    """A job from its Get-Job-Attributes / Get-Jobs attributes."""
    state = JOB_STATES.get(int(attrs.get("job-state", 0)))
    if state is None:
        raise PrinterError(f"job {job_id} has an unknown state {attrs.get('job-state')!r}")
    sheets = int(attrs.get("job-media-sheets-completed") or 0)
    impressions = int(attrs.get("job-impressions-completed") or 0)
    reasons = [r for r in as_list(attrs.get("job-state-reasons")) if r != "none"]
    return JobStatus(
        job_id=int(job_id),
        name=str(attrs.get("job-name", "")),
        state=state,
        pages_done=sheets or impressions,
        reasons=reasons,
        started=_started(attrs),
        pages_exact=False,  # counted by the filters as sent, not by the printer as out
    )


def _started(attrs: dict) -> bool | None:
    """cupsd sets time-at-processing when it hands the job to a backend and never clears it (a
    job requeued after a stopped printer keeps it): no value means it never started. An answer
    without the attribute at all cannot tell."""
    if "time-at-processing" not in attrs:
        return None
    return bool(attrs["time-at-processing"])


def printer_status(name: str, attrs: dict) -> DeviceStatus:
    """A queue's health from its Get-Printer-Attributes answer."""
    reasons, severity = normalize_reasons(as_list(attrs.get("printer-state-reasons")))
    state_name = PRINTER_STATES.get(int(attrs.get("printer-state", 0)), "unknown")
    accepting = bool(attrs.get("printer-is-accepting-jobs", True))
    # A stopped or rejecting queue cannot print even when the printer itself reports nothing.
    if state_name == "stopped" and "paused" not in reasons:
        reasons.append("paused")
    if not accepting:
        reasons.append("not-accepting-jobs")
        severity["not-accepting-jobs"] = "error"
    state, detail = classify(reasons, severity)
    message = attrs.get("printer-state-message")
    if message and state is not DeviceState.OK:
        detail = f"{detail} ({message})"
    info: dict[str, Any] = {
        "printer_state": state_name,
        "accepting_jobs": accepting,
        "error_policy": attrs.get("printer-error-policy"),
    }
    info.update(marker_info(attrs))
    if "media-empty" in reasons:
        info["paper"] = "empty"
    elif "media-low" in reasons:
        info["paper"] = "low"
    return DeviceStatus("printer", name, state, reasons, detail, info)


def marker_info(attrs: dict) -> dict[str, Any]:
    """Marker (toner/ink) levels as reported; negative levels mean unknown, shown as None."""
    names = as_list(attrs.get("marker-names"))
    types = as_list(attrs.get("marker-types"))
    levels = as_list(attrs.get("marker-levels"))
    if not levels:
        return {}
    markers = []
    for index, level in enumerate(levels):
        markers.append(
            {
                "name": names[index] if index < len(names) else f"marker-{index + 1}",
                "type": types[index] if index < len(types) else "unknown",
                "level": int(level) if int(level) >= 0 else None,
            }
        )
    info: dict[str, Any] = {"markers": markers}
    toner = [m["level"] for m in markers if m["type"] in ("toner", "ink") and m["level"] is not None]
    if toner:
        info["toner"] = min(toner)
    return info
