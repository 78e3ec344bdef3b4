"""Lanes gone quiet (``Fleet`` inherits it; the fleet's timer calls both checks): a lane whose
heartbeats stopped raises ``lane.offline``; a lane registered (``lanes``: by an admin, or by
joining) that has never sent one raises ``lane.never_reported``. Either clears by itself with
the lane's next heartbeat, which runs every alert rule (``Fleet.record``)."""

from __future__ import annotations

from sqlalchemy import select

from controller.office import fleet_statements as statements
from controller.office.alerts import LANE_NEVER_REPORTED, LANE_OFFLINE
from controller.office.db import reading
from controller.office.db.tables import alerts, lane_status, lanes


class FleetOffline:
    """``check_offline`` and ``check_never_reported``: the alerts no heartbeat can raise."""

    def check_offline(self) -> list[str]:
        """Raise ``lane.offline`` for lanes silent longer than ``offline_seconds``; returns them."""
        now = self.clock()
        with reading(self.engine) as conn:
            rows = conn.execute(select(lane_status.c.lane_id, lane_status.c.received_at)).all()
            # raised already (by this timer or another worker's): not evaluated again every tick
            raised_before = set(conn.execute(statements.OFFLINE_OPEN).scalars())
        silent, raised, changed = [], [], []
        for row in rows:
            online = now - row.received_at <= self.offline_seconds
            if not online:
                silent.append(row.lane_id)
            if not online and row.lane_id not in raised_before:
                age = f"{now - row.received_at:.0f} s"
                if self.alerts.evaluate(
                    row.lane_id, {LANE_OFFLINE: age}, scope=lambda rule: rule == LANE_OFFLINE
                ):
                    raised.append(row.lane_id)
            if self._online.get(row.lane_id) != online:
                self._online[row.lane_id] = online
                changed.append(row.lane_id)
        # a heartbeat may have come (and evaluated) between the read above and the raise: its
        # successors take the fast path and would never clear lane.offline, so they evaluate again
        self._forget_conditions(raised)
        if changed:
            with self.engine.begin() as conn:
                self.changes.notify(conn, changed)
        return silent

    def check_never_reported(self) -> list[str]:
        """Raise ``lane.never_reported`` for lanes registered over ``offline_seconds`` ago with
        no heartbeat ever (the lane's Pi is not running ambil, or cannot reach or sign in to the
        office); returns the lanes it raised it for. One query when there is nothing to raise."""
        now = self.clock()
        heard = select(lane_status.c.lane_id).where(lane_status.c.lane_id == lanes.c.id).exists()
        raised_already = (
            select(alerts.c.id)
            .where(
                alerts.c.lane_id == lanes.c.id,
                alerts.c.rule == LANE_NEVER_REPORTED,
                alerts.c.status == "open",
            )
            .exists()
        )
        with reading(self.engine) as conn:
            rows = conn.execute(
                select(lanes.c.id, lanes.c.created_at).where(
                    lanes.c.created_at < now - self.offline_seconds, ~heard, ~raised_already
                )
            ).all()
        raised = []
        for row in rows:
            since = f"registered {now - row.created_at:.0f} s ago"
            if self.alerts.evaluate(
                row.id, {LANE_NEVER_REPORTED: since}, scope=lambda rule: rule == LANE_NEVER_REPORTED
            ):
                raised.append(row.id)
        # as for lane.offline: a first heartbeat between the read and the raise evaluated before
        # it; forgetting its conditions makes the next heartbeat clear the alert
        self._forget_conditions(raised)
        return raised
