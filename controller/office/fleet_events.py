"""A lane's counters turned into per-minute history (``lane_events``, the dashboard's charts):
the totals a heartbeat carries, the change since the last one, and the minute's row."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from controller.office.db.tables import lane_events


def totals(counters: dict) -> dict:
    outcomes = counters.get("outcomes") or {}
    return {
        "scans": int(counters.get("reads") or 0),
        "releases": int(outcomes.get("released") or 0),
        "failures": sum(int(outcomes.get(k) or 0) for k in ("failed", "uncertain")),
    }


def delta(before: dict, now: dict) -> dict:
    # a lane restart sets its counters back to zero: then the new total is the delta
    return {k: (now[k] - before.get(k, 0)) if now[k] >= before.get(k, 0) else now[k] for k in now}


def add_events(conn: Connection, lane_id: str, minute: int, delta: dict) -> None:
    if not any(delta.values()):
        return
    key = (lane_events.c.lane_id == lane_id) & (lane_events.c.minute == minute)
    row = conn.execute(select(lane_events).where(key)).first()
    if row is None:
        conn.execute(lane_events.insert().values(lane_id=lane_id, minute=minute, **delta))
    else:
        conn.execute(
            update(lane_events).where(key).values(**{k: getattr(row, k) + v for k, v in delta.items()})
        )
