"""Reads a running System into metric families at scrape time (see controller.ops.metrics).

Office: documents by state and claims by lane and outcome (from the database, so the figures
survive restarts). Lane: reads, repeats, unreadable codes, outcomes, device states and the
numbers devices report (frames per second, decoded frames, marker levels). Alerts, when the
process has them. Nothing here may fail a scrape: a part that cannot be read is left out.
"""

from __future__ import annotations

import logging

from controller.ops.metrics import DEVICE_STATE_VALUES, MetricFamily, ProcessMetrics, render

log = logging.getLogger(__name__)


def metrics_text(system) -> str:
    """The whole /metrics document for ``system``."""
    families: list[MetricFamily] = [
        MetricFamily("ambil_info", "gauge", "This ambil process: its role and version.").add(
            1, role=system.config.role, version=_version()
        )
    ]
    for part in (_office_families, _lane_families, _alert_families):
        try:
            families.extend(part(system))
        except Exception:  # a scrape must never fail because one part cannot be read
            log.exception("metrics: %s could not be read", part.__name__)
    recorded = process_metrics(system)
    families.extend(recorded.families())
    return render(families)


def process_metrics(system) -> ProcessMetrics:
    """The System's event recorder (``System.metrics``, made with the System)."""
    return system.metrics


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("ambil")
    except Exception:
        return "unknown"


def _office_families(system) -> list[MetricFamily]:
    if system.office is None or system.engine is None:
        return []
    from sqlalchemy import func, select

    from controller.office.db import tables

    documents = MetricFamily("ambil_office_documents", "gauge", "Documents by state.")
    claims = MetricFamily(
        "ambil_office_claims", "gauge", "Claims by lane and outcome ('open': not reported yet)."
    )
    with system.engine.connect() as conn:
        for state, count in conn.execute(
            select(tables.documents.c.state, func.count()).group_by(tables.documents.c.state)
        ):
            documents.add(count, state=state)
        claim_rows = conn.execute(
            select(tables.claims.c.lane_id, tables.claims.c.outcome, func.count()).group_by(
                tables.claims.c.lane_id, tables.claims.c.outcome
            )
        )
        for lane_id, outcome, count in claim_rows:
            claims.add(count, lane=lane_id, outcome=outcome or "open")
    return [documents, claims]


def _lane_families(system) -> list[MetricFamily]:
    lane = system.lane
    if lane is None:
        return []
    lane_id = lane.settings.lane_id
    counters = lane.counters
    reads = MetricFamily("ambil_lane_reads_total", "counter", "Codes read by the lane's scanner or keypad.")
    reads.add(counters.reads, lane=lane_id)
    repeats = MetricFamily(
        "ambil_lane_repeats_total", "counter", "Reads dropped as repeats of a code in view."
    )
    repeats.add(counters.repeats, lane=lane_id)
    malformed = MetricFamily(
        "ambil_lane_malformed_total", "counter", "Reads that were not a pickup code or short code."
    )
    malformed.add(counters.malformed, lane=lane_id)
    outcomes = MetricFamily(
        "ambil_lane_outcomes_total", "counter", "Releases by outcome since the lane started."
    )
    for outcome, count in sorted(dict(counters.outcomes).items()):
        outcomes.add(count, lane=lane_id, outcome=outcome)
    online = MetricFamily("ambil_lane_office_online", "gauge", "1 when the lane reaches the office.")
    online.add(1 if lane.office_online else 0, lane=lane_id)
    states = MetricFamily("ambil_device_state", "gauge", "Device state: 0 ok, 1 warning, 2 error, 3 offline.")
    numbers = MetricFamily(
        "ambil_device_info", "gauge", "Numbers a device reports (fps, frames, decoded, marker levels)."
    )
    for device, status in sorted(dict(lane.devices).items()):
        states.add(
            DEVICE_STATE_VALUES.get(str(status.state), 3), lane=lane_id, device=device, kind=status.kind
        )
        for key, value in sorted(_numbers(status.info).items()):
            numbers.add(value, lane=lane_id, device=device, key=key)
    families = [reads, repeats, malformed, outcomes, online, states, numbers]
    try:
        unreported = MetricFamily(
            "ambil_lane_unreported", "gauge", "Outcomes not yet acknowledged by the office."
        )
        families.append(unreported.add(len(lane.journal.unreported()), lane=lane_id))
    except Exception:
        log.debug("metrics: journal not readable", exc_info=True)
    return families


def _numbers(info: dict, prefix: str = "") -> dict[str, float]:
    """The numeric leaves of a device's ``info`` (booleans as 0/1), keyed by their path."""
    found: dict[str, float] = {}
    for key, value in (info or {}).items():
        name = f"{prefix}{key}"
        if isinstance(value, bool):
            found[name] = 1.0 if value else 0.0
        elif isinstance(value, int | float):
            found[name] = float(value)
        elif isinstance(value, dict) and not prefix:  # one level: marker levels, door maps
            found.update(_numbers(value, prefix=f"{name}."))
    return found


def _alert_families(system) -> list[MetricFamily]:
    """Alert counts, when this process keeps the fleet's alerts (``system.alerts.counts()``)."""
    alerts = getattr(system, "alerts", None)
    counts = getattr(alerts, "counts", None)
    if not callable(counts):
        return []
    found = counts()
    open_now = MetricFamily("ambil_alerts_open", "gauge", "Open alerts by rule family.")
    for rule, count in sorted(dict(found.get("by_rule", {})).items()):
        open_now.add(count, rule=rule)
    severity = MetricFamily("ambil_alerts_open_by_severity", "gauge", "Open alerts by severity.")
    for level, count in sorted(dict(found.get("by_severity", {})).items()):
        severity.add(count, severity=level)
    acked = MetricFamily("ambil_alerts_acknowledged", "gauge", "Open alerts a technician acknowledged.")
    acked.add(found.get("acknowledged", 0))
    raised = MetricFamily("ambil_alerts_raised_total", "counter", "Alerts raised since the office started.")
    raised.add(found.get("raised_total", 0))
    cleared = MetricFamily(
        "ambil_alerts_cleared_total", "counter", "Alerts cleared since the office started."
    )
    cleared.add(found.get("cleared_total", 0))
    return [open_now, severity, acked, raised, cleared]
