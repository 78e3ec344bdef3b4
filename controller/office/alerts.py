"""Technician alerts: rules over each lane's heartbeat (and a timer for lanes gone quiet).

An alert is one row per occurrence: raised once (status ``open``) when its condition starts,
``cleared`` by itself when the condition ends, and acknowledged by a technician in between
(``acked_by``/``acked_at``: an acknowledged alert still clears by itself). Raising and clearing
are audited and sent through the office's notifier, which writes their words (web/i18n/alerts.py).
Rule keys name the condition and, where there are several, which one: ``door.left_open:A:3``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select, text, update
from sqlalchemy.engine import Engine

from controller.kernel.errors import AmbilError
from controller.office import audit
from controller.office.db import dialect_insert, reading
from controller.office.db.tables import alerts
from hardware.printer.reasons import split_reason

if TYPE_CHECKING:
    from controller.office.changes import Changes

log = logging.getLogger(__name__)

LANE_OFFLINE = "lane.offline"
LANE_NEVER_REPORTED = "lane.never_reported"  # registered, not one heartbeat yet (fleet_offline.py)
# rule family -> severity; what each says to a person is in web/i18n (``alert.<family>``)
SEVERITY: dict[str, str] = {
    "printer.media_empty": "error",
    "printer.toner_empty": "error",
    "printer.toner_low": "warning",
    "printer.offline": "error",
    "scanner.offline": "error",
    "locker.offline": "error",
    "door.left_open": "warning",
    "door.forced": "error",
    "lane.offline": "error",
    "lane.never_reported": "warning",
    "disk.low": "warning",
    "clock.unsynced": "warning",
    "temperature.high": "warning",
    "codes.lockout": "warning",
}
SEVERITY_RANK = {"error": 2, "warning": 1}
# the door alarms of a lane's heartbeat a person must see (a ``door.<kind>`` alert, the marks on
# the dashboard's and the staff's door grids), worst first
DOOR_ALARMS = ("forced", "left_open")


@dataclass(frozen=True)
class Thresholds:
    disk_free_percent: float = 10.0
    disk_free_mb: float = 1024.0
    temperature_c: float = 75.0


def family(rule: str) -> str:
    """``door.left_open:A:3`` -> ``door.left_open``."""
    return rule.split(":", 1)[0]


def conditions(report: dict, limits: Thresholds) -> dict[str, str]:
    """The alert conditions a heartbeat shows: rule key -> detail (what was seen)."""
    found: dict[str, str] = {}
    for key, device in (report.get("devices") or {}).items():
        kind, state = device.get("kind", ""), device.get("state", "ok")
        reasons = {split_reason(r)[0] for r in device.get("reasons") or []}
        if kind == "printer":
            if state == "offline":
                found["printer.offline"] = device.get("detail", "")
            if reasons & {"media-empty", "media-needed"}:
                found["printer.media_empty"] = "media-empty"
            if reasons & {"toner-empty", "marker-supply-empty"}:
                found["printer.toner_empty"] = ", ".join(sorted(reasons))
            elif reasons & {"toner-low", "marker-supply-low"}:
                found["printer.toner_low"] = ", ".join(sorted(reasons))
        elif kind == "scanner" and state in ("offline", "error"):
            found["scanner.offline"] = device.get("detail", "") or state
        elif kind == "locker" and state in ("offline", "error"):
            found[f"locker.offline:{key.split(':', 1)[-1]}"] = device.get("detail", "") or state
    for alarm in (report.get("doors") or {}).get("active_alarms") or []:
        if alarm.get("kind") in DOOR_ALARMS:
            found[f"door.{alarm['kind']}:{alarm.get('bank')}:{alarm.get('door')}"] = alarm.get("detail", "")
    return {**found, **host_conditions(report, limits)}


def host_conditions(report: dict, limits: Thresholds) -> dict[str, str]:
    """The part of ``conditions`` the Pi's health (``host``) shows: what a keepalive may change."""
    found: dict[str, str] = {}
    host = report.get("host") or {}
    pct, mb = host.get("disk_free_percent"), host.get("disk_free_mb")
    if (pct is not None and pct < limits.disk_free_percent) or (mb is not None and mb < limits.disk_free_mb):
        found["disk.low"] = f"{pct}% / {mb} MB"
    if host.get("clock_synchronised") is False:
        found["clock.unsynced"] = "NTP not synchronised"
    temp = host.get("cpu_temp_c")
    if temp is not None and temp > limits.temperature_c:
        found["temperature.high"] = f"{temp} C"
    return found


class Alerts:
    """The alert table and its transitions. ``notify(rule, lane_id, detail)`` sends one alert
    message (the composition root writes its words through the notifier's texts)."""

    def __init__(
        self,
        engine: Engine,
        *,
        notify: Callable[[str, str, str], object] | None = None,
        clock: Callable[[], float] = time.time,
        changes: Changes | None = None,
    ):
        self.engine = engine
        self.notify = notify
        self.changes = changes  # live pages hear of every raise, clear and acknowledgement
        self.clock = clock
        self._lock = threading.Lock()  # evaluations from heartbeats and the timer never interleave
        self.raised_total = 0
        self.cleared_total = 0

    def evaluate(self, lane_id: str, found: dict[str, str], *, scope: Callable[[str], bool]) -> list[str]:
        """Raise what ``found`` holds and is not open; clear open alerts in ``scope`` not in ``found``.

        ``scope(rule)`` says which rules this evaluation speaks for (a heartbeat speaks for all
        but ``lane.offline``; the offline timer only for that one). Returns the rules raised.
        """
        raised: list[str] = []
        changed = False
        now = self.clock()
        with self._lock, self.engine.begin() as conn:
            rows = conn.execute(
                select(alerts.c.id, alerts.c.rule).where(
                    alerts.c.lane_id == lane_id, alerts.c.status == "open"
                )
            ).all()
            open_rules = {row.rule: row.id for row in rows}
            for rule, detail in found.items():
                if rule in open_rules:
                    continue
                severity = SEVERITY.get(family(rule), "warning")
                alert_id = _insert_open(
                    conn,
                    lane_id=lane_id,
                    rule=rule,
                    severity=severity,
                    status="open",
                    detail=(detail or "")[:500],
                    raised_at=now,
                )
                if alert_id is None:
                    continue  # another office worker raised it a moment ago: it is open once
                audit.append(
                    conn, actor="system", action="alert.raised", subject=f"alert:{alert_id}",
                    detail={"lane_id": lane_id, "rule": rule}, at=now,
                )  # fmt: skip
                raised.append(rule)
            for rule, alert_id in open_rules.items():
                if rule in found or not scope(rule):
                    continue
                conn.execute(
                    update(alerts)
                    .where(alerts.c.id == alert_id, alerts.c.status == "open")
                    .values(status="cleared", cleared_at=now)
                )
                audit.append(
                    conn, actor="system", action="alert.cleared", subject=f"alert:{alert_id}",
                    detail={"lane_id": lane_id, "rule": rule}, at=now,
                )  # fmt: skip
                self.cleared_total += 1
                changed = True
            if (raised or changed) and self.changes is not None:
                self.changes.notify(conn, [lane_id])
        self.raised_total += len(raised)
        for rule in raised:
            log.warning("alert raised on lane %s: %s", lane_id, rule)
            self._send(rule, lane_id, found[rule])
        return raised

    def acknowledge(self, alert_id: int, *, actor: str) -> dict:
        """A technician has seen the alert; it stays open until its condition ends."""
        now = self.clock()
        with self.engine.begin() as conn:
            row = conn.execute(select(alerts).where(alerts.c.id == alert_id)).first()
            if row is None:
                raise AmbilError(f"no alert {alert_id}", key="alert.not_found")
            if row.acked_at is None:
                conn.execute(
                    update(alerts).where(alerts.c.id == alert_id).values(acked_by=actor, acked_at=now)
                )
                audit.append(
                    conn, actor=actor, action="alert.acknowledged", subject=f"alert:{alert_id}",
                    detail={"lane_id": row.lane_id, "rule": row.rule}, at=now,
                )  # fmt: skip
                if self.changes is not None:
                    self.changes.notify(conn, [row.lane_id])
            return dict(conn.execute(select(alerts).where(alerts.c.id == alert_id)).first()._mapping)

    def open_alerts(self, lane_id: str | None = None, *, lane_ids: list[str] | None = None) -> list[dict]:
        """Open alerts (of one lane, or of ``lane_ids``), worst and newest first."""
        query = select(alerts).where(alerts.c.status == "open")
        if lane_id is not None:
            query = query.where(alerts.c.lane_id == lane_id)
        if lane_ids is not None:
            query = query.where(alerts.c.lane_id.in_(lane_ids))
        with reading(self.engine) as conn:
            found = [dict(row._mapping) for row in conn.execute(query)]
        found.sort(key=lambda a: (-SEVERITY_RANK.get(a["severity"], 0), -a["raised_at"]))
        return found

    def recent(self, lane_id: str, limit: int = 20) -> list[dict]:
        with reading(self.engine) as conn:
            rows = conn.execute(
                select(alerts).where(alerts.c.lane_id == lane_id).order_by(alerts.c.id.desc()).limit(limit)
            )
            return [dict(row._mapping) for row in rows]

    def counts(self) -> dict:
        """For /metrics: open alerts by rule family and severity, and how many are acknowledged."""
        with reading(self.engine) as conn:
            rows = conn.execute(
                select(alerts.c.rule, alerts.c.severity, alerts.c.acked_at.is_not(None), func.count())
                .where(alerts.c.status == "open")
                .group_by(alerts.c.rule, alerts.c.severity, alerts.c.acked_at.is_not(None))
            ).all()
        by_rule: dict[str, int] = {}
        by_severity: dict[str, int] = {}
        acked = 0
        for rule, severity, is_acked, count in rows:
            by_rule[family(rule)] = by_rule.get(family(rule), 0) + count
            by_severity[severity] = by_severity.get(severity, 0) + count
            acked += count if is_acked else 0
        return {
            "open": sum(by_rule.values()),
            "acknowledged": acked,
            "by_rule": by_rule,
            "by_severity": by_severity,
            "raised_total": self.raised_total,
            "cleared_total": self.cleared_total,
        }

    def _send(self, rule: str, lane_id: str, detail: str) -> None:
        if self.notify is None:
            return
        try:
            self.notify(rule, lane_id, detail)
        except Exception:  # noqa: BLE001 - a notifier fault must not lose the alert row
            log.exception("alert notification could not be queued")


def _insert_open(conn, **values) -> int | None:
    """Insert an open alert unless one is open for its lane and rule (the ``uq_alerts_open``
    index: several office workers may raise it at once); its id, or None when another won."""
    statement = (
        dialect_insert(conn, alerts)
        .values(**values)
        # the predicate as SQL text, not a bound parameter: a prepared (generic) plan cannot match
        # a parameter to the partial index, and PostgreSQL then refuses the ON CONFLICT target
        .on_conflict_do_nothing(index_elements=["lane_id", "rule"], index_where=text("status = 'open'"))
        .returning(alerts.c.id)
    )
    return conn.execute(statement).scalar()
