"""The heartbeat's statements, built once (issue 13: at 1,000 lanes a heartbeat arrives every
3 ms, and building a ``select()``/``update()`` and its cache key costs more than running it).
Parameters are named ``k_*`` (conditions) and ``v_*`` (values written)."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import String, bindparam, case, select, update

from controller.office.alerts import LANE_OFFLINE
from controller.office.db.tables import alerts, lane_status, short_code_attempts

_LANE = bindparam("k_lane", type_=String)

# the slow path's row lock: only what it compares (never the report itself)
LOCK_ROW = (
    select(
        lane_status.c.last_counters, lane_status.c.received_at, lane_status.c.conditions, lane_status.c.digest
    )
    .where(lane_status.c.lane_id == _LANE)
    .with_for_update()
)

# the lanes whose lane.offline alert is open (the offline timer raises it once)
OFFLINE_OPEN = select(alerts.c.lane_id).where(alerts.c.rule == LANE_OFFLINE, alerts.c.status == "open")

LOCKED_UNTIL = select(short_code_attempts.c.locked_until).where(short_code_attempts.c.lane_id == _LANE)


@lru_cache(maxsize=4)
def same_as_before(columns: tuple[str, ...]):
    """The fast path's ``UPDATE`` of ``columns``: matches only a row with the same counters,
    digest and conditions (``k_locked_hash`` while the lane's short codes are locked out, else
    ``k_hash``), received at or after ``k_since``."""
    locked = (
        select(short_code_attempts.c.lane_id)
        .where(
            short_code_attempts.c.lane_id == _LANE,
            short_code_attempts.c.locked_until > bindparam("k_now"),
        )
        .exists()
    )
    expected = case(
        (locked, bindparam("k_locked_hash", type_=String)), else_=bindparam("k_hash", type_=String)
    )
    return (
        update(lane_status)
        .where(
            lane_status.c.lane_id == _LANE,
            lane_status.c.last_counters == bindparam("k_counters", type_=String),
            lane_status.c.received_at >= bindparam("k_since"),
            lane_status.c.conditions == expected,
            lane_status.c.digest == bindparam("k_digest", type_=String),
        )
        .values({name: bindparam(f"v_{name}") for name in columns})
    )
