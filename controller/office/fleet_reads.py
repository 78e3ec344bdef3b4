"""The dashboard's reads of the fleet (``Fleet`` inherits them): lane summaries worst first, one
lane, the per-minute chart series and the lane's recent pickups. Reads only; ``fleet.py`` writes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from sqlalchemy import select

from controller.kernel.errors import AmbilError
from controller.office import door_release
from controller.office.alerts import SEVERITY_RANK
from controller.office.db import reading
from controller.office.db.tables import (
    claims,
    documents,
    lane_events,
    lane_status,
    lanes,
    locker_banks,
    pickups,
)

# worst first: a lane's health and its devices' states ranked
STATE_RANK = {"offline": 0, "unknown": 0, "error": 1, "warning": 2, "ok": 3}


class FleetReads:
    """The dashboard's reads of the fleet: every lane's summary, one lane, its chart series, its pickups."""

    # -- status out -------------------------------------------------------------------------------
    def lanes(self, lane_ids: Iterable[str] | None = None) -> list[dict]:
        """Every lane (known or reporting), worst first: offline, error, warning, ok; only those
        of ``lane_ids`` when given (a live page's diff: a lane that is gone is not in it)."""
        now = self.clock()
        known_q, status_q = select(lanes.c.id, lanes.c.name, lanes.c.site), select(lane_status)
        if lane_ids is not None:
            wanted = sorted(set(lane_ids))
            known_q, status_q = (
                known_q.where(lanes.c.id.in_(wanted)),
                status_q.where(lane_status.c.lane_id.in_(wanted)),
            )
        with reading(self.engine) as conn:
            known = {row.id: row for row in conn.execute(known_q)}
            status = {row.lane_id: row for row in conn.execute(status_q)}
            banks = _banks(conn)
        open_alerts: dict[str, list[dict]] = {}
        for alert in self.alerts.open_alerts(lane_ids=None if lane_ids is None else wanted):
            open_alerts.setdefault(alert["lane_id"], []).append(alert)
        result = []
        for lane_id in sorted(set(known) | set(status)):
            summary = _summary(lane_id, known.get(lane_id), status.get(lane_id), open_alerts, now, self)
            summary["banks"] = {bank: b for bank, b in banks.items() if b["lane_id"] == lane_id}
            result.append(summary)
        result.sort(key=lambda lane: (STATE_RANK.get(lane["health"], 0), lane["site"], lane["lane_id"]))
        return result

    def lane(self, lane_id: str) -> dict:
        """One lane's summary plus its whole last report; ``lane.not_found`` if never heard of."""
        found = self.lanes([lane_id])
        if not found:
            raise AmbilError(f"no lane {lane_id!r}", key="lane.not_found")
        return found[0]

    def series(self, lane_id: str, *, hours: float = 6.0, buckets: int = 36) -> list[dict]:
        """Scans, releases and failures of ``lane_id`` over the last ``hours``, in ``buckets``."""
        now = self.clock()
        first_minute = int((now - hours * 3600) // 60)
        with reading(self.engine) as conn:
            rows = conn.execute(
                select(lane_events).where(
                    lane_events.c.lane_id == lane_id, lane_events.c.minute >= first_minute
                )
            ).all()
        width = hours * 60 / buckets  # minutes per bucket
        out = [
            {"start": (first_minute + i * width) * 60, "scans": 0, "releases": 0, "failures": 0}
            for i in range(buckets)
        ]
        for row in rows:
            index = min(buckets - 1, int((row.minute - first_minute) / width))
            for name in ("scans", "releases", "failures"):
                out[index][name] += getattr(row, name)
        return out

    def recent_pickups(self, lane_id: str, limit: int = 15) -> list[dict]:
        """The lane's latest claims: when, which document, the outcome (never a code)."""
        query = (
            select(
                claims.c.claimed_at,
                claims.c.finished_at,
                claims.c.outcome,
                claims.c.detail,
                documents.c.id.label("document_id"),
                documents.c.kind,
                documents.c.title,
            )
            .select_from(claims.join(pickups, claims.c.pickup_id == pickups.c.id).join(
                documents, pickups.c.document_id == documents.c.id))
            .where(claims.c.lane_id == lane_id)
            .order_by(claims.c.claimed_at.desc())
            .limit(limit)
        )  # fmt: skip
        with reading(self.engine) as conn:
            return [dict(row._mapping) for row in conn.execute(query)]


def _banks(conn) -> dict[str, dict]:
    """Each locker bank as built (``columns``: doors per row, None until its lane said; ``doors``)
    and the doors an item is (or may be) behind (``held``): the dashboard's door grid."""
    held: dict[str, list[int]] = {}
    query = select(documents.c.locker_bank, documents.c.door).where(
        documents.c.locker_bank.is_not(None), door_release.in_door()
    )
    for row in conn.execute(query):
        held.setdefault(row.locker_bank, []).append(row.door)
    return {
        row.id: {
            "lane_id": row.lane_id,
            "columns": row.columns,
            "doors": row.doors,
            "held": sorted(held.get(row.id, [])),
        }
        for row in conn.execute(select(locker_banks))
    }


def _summary(lane_id: str, known, status, open_alerts: dict, now: float, fleet: FleetReads) -> dict:
    report = json.loads(status.report) if status is not None else {}
    if status is not None and status.moving:  # the last keepalive's counters and host health
        report.update(json.loads(status.moving))
    age = now - status.received_at if status is not None else None
    online = age is not None and age <= fleet.offline_seconds
    name = (known.name if known is not None else "") or report.get("name") or lane_id
    # each alert names its lane as people know it ("Lajur 1"), not by its id
    alerts = [{**alert, "lane_name": name} for alert in open_alerts.get(lane_id, [])]
    devices = report.get("devices") or {}
    if not online:
        health = "offline"
    else:
        # an offline device is an error of an online lane; open alerts count with their severity
        ranks = [max(1, STATE_RANK.get(d.get("state", "ok"), 1)) for d in devices.values()]
        ranks += [3 - SEVERITY_RANK.get(a["severity"], 0) for a in alerts]
        health = {1: "error", 2: "warning"}.get(min(ranks, default=3), "ok")
    return {
        "lane_id": lane_id,
        "name": name,
        "site": (known.site if known is not None else "") or report.get("site") or "",
        "online": online,
        "reported": status is not None,
        "health": health,
        "rank": STATE_RANK.get(health, 0),  # the sort key's first part (live pages sort by it too)
        "received_at": status.received_at if status is not None else None,
        "age_s": round(age, 1) if age is not None else None,
        "state": report.get("state", ""),
        "office_online": report.get("office_online"),
        "version": report.get("version", ""),
        "devices": devices,
        "doors": report.get("doors") or {},
        "host": report.get("host") or {},
        "counters": report.get("counters") or {},
        "logs": report.get("logs") or [],
        "alerts": alerts,
    }
