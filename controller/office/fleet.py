"""The office's view of its lanes: the newest heartbeat of each, online or offline, per-minute
history for charts, and the alert rules run when a lane's conditions change and on a timer.

A heartbeat is a full report or a keepalive that stands for the stored one (``receive``; the
protocol is ``controller.kernel.heartbeat``). Every change a person can see (content, alerts,
online/offline) is announced through ``changes`` in the transaction that makes it.

A lane with no heartbeat for ``offline_seconds`` is offline (and raises ``lane.offline``); a lane
registered that long ago that never sent one raises ``lane.never_reported`` (fleet_offline.py).
History is kept ``keep_days`` (7) and pruned by the timer.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable

from sqlalchemy import case, delete, select, update
from sqlalchemy.engine import Connection, Engine

from controller.kernel import heartbeat as protocol
from controller.kernel.errors import AmbilError
from controller.office.alerts import Alerts, Thresholds, conditions
from controller.office.background import BackgroundJob
from controller.office.changes import Changes
from controller.office.db import insert_ignore, reading
from controller.office.db.tables import (
    lane_events,
    lane_status,
    lanes,
    short_code_attempts,
)
from controller.office.fleet_keepalive import FleetKeepalive, StaleKeepalive
from controller.office.fleet_offline import FleetOffline
from controller.office.fleet_reads import FleetReads
from controller.office.fleet_selftests import FleetSelfTests

log = logging.getLogger(__name__)

PRUNE_EVERY_S = 3600.0
LOCKOUT = {"codes.lockout": "short-code lockout"}


class Fleet(FleetKeepalive, FleetOffline, FleetReads, FleetSelfTests, BackgroundJob):
    """Heartbeats in, fleet status out; ``changes`` tells live pages which lanes changed."""

    thread_name = "fleet-timer"

    def __init__(
        self,
        engine: Engine,
        alerts: Alerts,
        *,
        offline_seconds: float = 12.0,
        limits: Thresholds | None = None,
        keep_days: float = 7.0,
        clock: Callable[[], float] = time.time,
        job_lock=None,
        changes: Changes | None = None,
    ):
        self.engine = engine
        self.alerts = alerts
        self.changes = changes or alerts.changes or Changes(engine)
        if alerts.changes is None:
            alerts.changes = self.changes  # one feed for the alerts' changes and the lanes'
        self.job_lock = job_lock  # several office workers: one runs the offline timer and pruning
        self.offline_seconds = offline_seconds
        self.limits = limits or Thresholds()
        self.keep_days = keep_days
        self.clock = clock
        self._sites: dict[str, str] = {}  # the site each lane last reported (to this process)
        self._online: dict[str, bool] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pruned_at = float("-inf")

    # -- life cycle: the timer that notices silent lanes, and this process's change listener --
    def start(self) -> None:
        self.changes.start()
        super().start()

    def stop(self) -> None:
        super().stop()
        self.changes.stop()

    def _run(self) -> None:
        interval = max(0.2, min(2.0, self.offline_seconds / 4))
        while not self._stop.wait(interval):
            try:
                if not self._mine():
                    continue
                self.check_offline()
                self.check_never_reported()
                if time.monotonic() - self._pruned_at > PRUNE_EVERY_S:
                    self.prune()
                    self._pruned_at = time.monotonic()
            except Exception:  # noqa: BLE001 - a DB blip must not end the timer
                log.exception("fleet timer failed")

    # -- heartbeats in --------------------------------------------------------------------------
    def record(self, lane_id: str, report: dict, keepalive_of: str | None = None) -> list[str]:
        """Store one full report of ``lane_id``, count its events, run the alert rules.

        No process-wide lock: the lane's status row is the lock. In the common case (content,
        counters and alert conditions as before, lane online) it is one ``UPDATE``; events are
        written only when counters moved, the alert rules run only when a condition changed, the
        lane came back, or it is new, and live pages hear of it only when its content changed or
        it came back. ``keepalive_of``: the report stands for a stored one of that digest
        (``StaleKeepalive`` if another report replaced it meanwhile). Returns the rules raised.
        """
        if not isinstance(report, dict):
            raise AmbilError("a heartbeat is a JSON object", key="request.invalid")
        now = self.clock()
        counters = _totals(report.get("counters") or {})
        found = conditions(report, self.limits)
        values = {
            "received_at": now,
            "state": str(report.get("state", ""))[:32],
            "report": json.dumps(report, default=str, sort_keys=True),
            "last_counters": json.dumps(counters, sort_keys=True),
            "digest": keepalive_of or protocol.digest(report),
        }
        site = str(report.get("site") or "")[:200]
        with self.engine.begin() as conn:
            if self._same_as_before(conn, lane_id, now, values, found):
                changed = None
            else:
                changed = self._record_changed(conn, lane_id, now, values, found, keepalive_of)
            if site and self._sites.get(lane_id) != site:  # rare: a lane's site is set in its config
                # (a site that moved is a write to lanes: the change feed tells every page itself)
                conn.execute(
                    update(lanes).where(lanes.c.id == lane_id, lanes.c.site != site).values(site=site)
                )
                self._sites[lane_id] = site
        raised = [] if changed is None else self._evaluate(lane_id, *changed)
        self._online[lane_id] = True
        return raised

    def _same_as_before(self, conn: Connection, lane_id: str, now: float, values: dict, found: dict) -> bool:
        """The fast path: one ``UPDATE`` that matches only if nothing an alert or a chart needs
        changed (same counters, same conditions with or without a short-code lockout, online)."""
        locked = (
            select(short_code_attempts.c.lane_id)
            .where(short_code_attempts.c.lane_id == lane_id, short_code_attempts.c.locked_until > now)
            .exists()
        )
        expected = case((locked, _conditions_hash({**found, **LOCKOUT})), else_=_conditions_hash(found))
        result = conn.execute(
            update(lane_status)
            .where(
                lane_status.c.lane_id == lane_id,
                lane_status.c.last_counters == values["last_counters"],
                lane_status.c.received_at >= now - self.offline_seconds,
                lane_status.c.conditions == expected,
                lane_status.c.digest == values["digest"],
            )
            .values(**values)
        )
        return result.rowcount == 1

    def _record_changed(
        self, conn: Connection, lane_id: str, now: float, values: dict, found: dict, keepalive_of: str | None
    ):
        """The slow path: the row locked, events counted, live pages told if the content changed
        or the lane came back; (conditions, their hash) to evaluate, or None when the alert rules
        would see what they saw last time."""
        query = select(lane_status).where(lane_status.c.lane_id == lane_id).with_for_update()
        row = conn.execute(query).first()
        if row is None and keepalive_of is not None:
            raise StaleKeepalive(lane_id)
        if row is None:
            # two workers may take this lane's first heartbeats at once: insert-or-nothing, then lock
            insert_ignore(
                conn, lane_status, {"lane_id": lane_id, **values, "last_counters": "{}", "digest": ""}
            )
            row = conn.execute(query).first()
        if keepalive_of is not None and row.digest != keepalive_of:
            raise StaleKeepalive(lane_id)  # a full report replaced the one the keepalive stands for
        before = json.loads(row.last_counters or "{}")
        counters = json.loads(values["last_counters"])
        if before:
            _add_events(conn, lane_id, int(now // 60), _delta(before, counters))
        locked = conn.execute(
            select(short_code_attempts.c.locked_until).where(short_code_attempts.c.lane_id == lane_id)
        ).scalar()
        if locked is not None and locked > now:
            found = {**found, **LOCKOUT}
        digest = _conditions_hash(found)
        was_offline = row.received_at < now - self.offline_seconds or not row.conditions
        conn.execute(
            update(lane_status).where(lane_status.c.lane_id == lane_id).values(**values, conditions=digest)
        )
        if row.digest != values["digest"] or row.received_at < now - self.offline_seconds:
            self.changes.notify(conn, [lane_id])  # delivered on commit, to every office worker
        return (found, digest) if (digest != row.conditions or was_offline) else None

    def _evaluate(self, lane_id: str, found: dict, digest: str) -> list[str]:
        """Run the alert rules on conditions already stored (after the commit, so the row is
        not locked meanwhile); if they cannot be trusted, the next heartbeat runs them again."""
        try:
            raised = self.alerts.evaluate(lane_id, found, scope=lambda rule: True)  # clears lane.offline
        except Exception:
            self._forget_conditions([lane_id])  # stored but not evaluated
            raise
        with reading(self.engine) as conn:
            now_stored = conn.execute(
                select(lane_status.c.conditions).where(lane_status.c.lane_id == lane_id)
            ).scalar()
        if now_stored != digest:
            # a newer heartbeat (another worker) stored other conditions and may have evaluated
            # them before this one did: the alerts may show the older; the next heartbeat decides
            self._forget_conditions([lane_id])
        return raised

    def _forget_conditions(self, lane_ids: list[str]) -> None:
        """Make the next heartbeat of each lane run the alert rules (the slow path)."""
        if lane_ids:
            with self.engine.begin() as conn:
                conn.execute(
                    update(lane_status).where(lane_status.c.lane_id.in_(lane_ids)).values(conditions="")
                )

    def prune(self) -> int:
        """Drop per-minute history older than ``keep_days``."""
        oldest = int((self.clock() - self.keep_days * 86400) // 60)
        with self.engine.begin() as conn:
            return conn.execute(delete(lane_events).where(lane_events.c.minute < oldest)).rowcount or 0


def _conditions_hash(found: dict[str, str]) -> str:
    """What the alert rules saw, in 64 characters (never empty: empty means "not yet seen")."""
    return hashlib.sha256(json.dumps(found, sort_keys=True).encode()).hexdigest()


def _totals(counters: dict) -> dict:
    outcomes = counters.get("outcomes") or {}
    return {
        "scans": int(counters.get("reads") or 0),
        "releases": int(outcomes.get("released") or 0),
        "failures": sum(int(outcomes.get(k) or 0) for k in ("failed", "uncertain")),
    }


def _delta(before: dict, now: dict) -> dict:
    # a lane restart sets its counters back to zero: then the new total is the delta
    return {k: (now[k] - before.get(k, 0)) if now[k] >= before.get(k, 0) else now[k] for k in now}


def _add_events(conn: Connection, lane_id: str, minute: int, delta: dict) -> None:
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
