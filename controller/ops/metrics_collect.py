"""Reads a running System into metric families at scrape time (see controller.ops.metrics).

Office: documents by state and claims by lane and outcome (from the database, so the figures
survive restarts). Lane: reads, repeats, unreadable codes, outcomes, device states and the
numbers devices report (frames per second, decoded frames, marker levels). Alerts, when the
process has them. Nothing here may fail a scrape: a part that cannot be read is left out.

The families are ``prometheus_client`` custom-collector families (``SystemCollector``), gathered
with the System's event metrics into one registry per scrape and written by ``generate_latest``.
"""

from __future__ import annotations

import logging

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from controller.ops.metrics import DEVICE_STATE_VALUES, multiprocess_dir

log = logging.getLogger(__name__)


def metrics_text(system) -> bytes:
    """The whole /metrics document for ``system``.

    With ``PROMETHEUS_MULTIPROC_DIR`` set, the event metrics are those of every process that
    shares the directory (summed by the library), not only this one's.
    """
    registry = CollectorRegistry(auto_describe=False)  # one per scrape: nothing global
    registry.register(SystemCollector(system))
    path = multiprocess_dir()
    if path is not None:
        MultiProcessCollector(registry, path=path)  # registers itself
    else:
        registry.register(system.metrics)
    return generate_latest(registry)


class SystemCollector:
    """The values a running System knows, read when Prometheus scrapes."""

    def __init__(self, system) -> None:
        self.system = system

    def collect(self):
        info = GaugeMetricFamily(
            "ambil_info", "This ambil process: its role and version.", labels=("role", "version")
        )
        info.add_metric((self.system.config.role, _version()), 1)
        families = [info]
        for part in (_office_families, _lane_families, _alert_families):
            try:
                families.extend(part(self.system))
            except Exception:  # a scrape must never fail because one part cannot be read
                log.exception("metrics: %s could not be read", part.__name__)
        return families


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("ambil")
    except Exception:
        return "unknown"


def _office_families(system) -> list:
    if system.office is None or system.engine is None:
        return []
    from sqlalchemy import func, select

    from controller.office.db import tables

    documents = GaugeMetricFamily("ambil_office_documents", "Documents by state.", labels=("state",))
    claims = GaugeMetricFamily(
        "ambil_office_claims",
        "Claims by lane and outcome ('open': not reported yet).",
        labels=("lane", "outcome"),
    )
    with system.engine.connect() as conn:
        for state, count in conn.execute(
            select(tables.documents.c.state, func.count()).group_by(tables.documents.c.state)
        ):
            documents.add_metric((state,), count)
        claim_rows = conn.execute(
            select(tables.claims.c.lane_id, tables.claims.c.outcome, func.count()).group_by(
                tables.claims.c.lane_id, tables.claims.c.outcome
            )
        )
        for lane_id, outcome, count in claim_rows:
            claims.add_metric((lane_id, outcome or "open"), count)
    return [documents, claims]


def _lane_families(system) -> list:
    lane = system.lane
    if lane is None:
        return []
    lane_id = lane.settings.lane_id
    counters = lane.counters

    def lane_counter(name: str, help_text: str, value: float) -> CounterMetricFamily:
        family = CounterMetricFamily(name, help_text, labels=("lane",))
        family.add_metric((lane_id,), value)
        return family

    outcomes = CounterMetricFamily(
        "ambil_lane_outcomes_total", "Releases by outcome since the lane started.", labels=("lane", "outcome")
    )
    for outcome, count in sorted(dict(counters.outcomes).items()):
        outcomes.add_metric((lane_id, outcome), count)
    online = GaugeMetricFamily(
        "ambil_lane_office_online", "1 when the lane reaches the office.", labels=("lane",)
    )
    online.add_metric((lane_id,), 1 if lane.office_online else 0)
    states = GaugeMetricFamily(
        "ambil_device_state",
        "Device state: 0 ok, 1 warning, 2 error, 3 offline.",
        labels=("lane", "device", "kind"),
    )
    numbers = GaugeMetricFamily(
        "ambil_device_info",
        "Numbers a device reports (fps, frames, decoded, marker levels).",
        labels=("lane", "device", "key"),
    )
    for device, status in sorted(dict(lane.devices).items()):
        states.add_metric((lane_id, device, status.kind), DEVICE_STATE_VALUES.get(str(status.state), 3))
        for key, value in sorted(_numbers(status.info).items()):
            numbers.add_metric((lane_id, device, key), value)
    families = [
        lane_counter("ambil_lane_reads_total", "Codes read by the lane's scanner or keypad.", counters.reads),
        lane_counter(
            "ambil_lane_repeats_total", "Reads dropped as repeats of a code in view.", counters.repeats
        ),
        lane_counter(
            "ambil_lane_malformed_total",
            "Reads that were not a pickup code or short code.",
            counters.malformed,
        ),
        outcomes,
        online,
        states,
        numbers,
    ]
    try:
        unreported = GaugeMetricFamily(
            "ambil_lane_unreported", "Outcomes not yet acknowledged by the office.", labels=("lane",)
        )
        unreported.add_metric((lane_id,), len(lane.journal.unreported()))
        families.append(unreported)
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


def _alert_families(system) -> list:
    """Alert counts, when this process keeps the fleet's alerts (``system.alerts.counts()``)."""
    if system.alerts is None:
        return []
    found = system.alerts.counts()
    open_now = GaugeMetricFamily("ambil_alerts_open", "Open alerts by rule family.", labels=("rule",))
    for rule, count in sorted(dict(found.get("by_rule", {})).items()):
        open_now.add_metric((rule,), count)
    severity = GaugeMetricFamily(
        "ambil_alerts_open_by_severity", "Open alerts by severity.", labels=("severity",)
    )
    for level, count in sorted(dict(found.get("by_severity", {})).items()):
        severity.add_metric((level,), count)
    acked = GaugeMetricFamily(
        "ambil_alerts_acknowledged",
        "Open alerts a technician acknowledged.",
        value=found.get("acknowledged", 0),
    )
    raised = CounterMetricFamily(
        "ambil_alerts_raised_total",
        "Alerts raised since the office started.",
        value=found.get("raised_total", 0),
    )
    cleared = CounterMetricFamily(
        "ambil_alerts_cleared_total",
        "Alerts cleared since the office started.",
        value=found.get("cleared_total", 0),
    )
    return [open_now, severity, acked, raised, cleared]
