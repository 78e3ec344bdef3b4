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

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Connection, Engine

from controller.kernel import heartbeat as protocol
from controller.kernel.errors import AmbilError
from controller.office import fleet_statements as statements
from controller.office.alerts import LANE_OFFLINE, Alerts, Thresholds, conditions, host_conditions
from controller.office.background import BackgroundJob
from controller.office.changes import Changes
from controller.office.db import insert_ignore, reading
from controller.office.db.tables import (
    lane_events,
    lane_status,
    lanes,
)
from controller.office.fleet_events import add_events, delta, totals
from controller.office.fleet_keepalive import ContentConditions, FleetKeepalive, StaleKeepalive
from controller.office.fleet_offline import FleetOffline
from controller.office.fleet_reads import FleetReads
from controller.office.fleet_selftests import FleetSelfTests

log = logging.getLogger(__name__)

PRUNE_EVERY_S = 3600.0
LOCKOUT = {"codes.lockout": "short-code lockout"}
OFFLINE_ONLY = object()  # a late beat with the conditions as before: lane.offline alone has news


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
        self._content_found = ContentConditions()  # digest -> the alert conditions of its content
        self._single = (  # one statement on its own (autocommit): PostgreSQL; SQLite has no round trips
            engine.execution_options(isolation_level="AUTOCOMMIT")
            if engine.dialect.name == "postgresql"
            else None
        )

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
        """Store one heartbeat of ``lane_id``, count its events, run the alert rules.

        ``report`` is a full report, or with ``keepalive_of`` a keepalive body standing for the
        stored report of that digest: then only its moving parts are written (``moving``), and
        the conditions are the stored content's (``content_conditions``) plus the keepalive's
        host; ``StaleKeepalive`` if another report replaced the stored one meanwhile.
        No process-wide lock: the lane's status row is the lock. In the common case (counters and
        alert conditions as before, lane online) it is one ``UPDATE``; events are written only
        when counters moved, the alert rules run only when a condition changed, the lane came
        back, or it is new, and live pages hear of it only when its content changed or it came
        back. Returns the rules raised.
        """
        if not isinstance(report, dict):
            raise AmbilError("a heartbeat is a JSON object", key="request.invalid")
        now = self.clock()
        counters = totals(report.get("counters") or {})
        values = {"received_at": now, "last_counters": json.dumps(counters, sort_keys=True)}
        if keepalive_of is None:
            found = conditions(report, self.limits)
            values["state"] = str(report.get("state", ""))[:32]
            values["report"] = json.dumps(report, default=str, sort_keys=True)
            values["moving"] = ""
            values["digest"] = protocol.digest(report)
            self._content_found.put(values["digest"], conditions({**report, "host": {}}, self.limits))
        else:
            found = {**self.content_conditions(lane_id, keepalive_of), **host_conditions(report, self.limits)}
            values["moving"] = json.dumps({k: report[k] for k in protocol.MOVING if k in report}, default=str)
            values["digest"] = keepalive_of
        site = str(report.get("site") or "")[:200] if keepalive_of is None else ""
        moved = bool(site) and self._sites.get(lane_id) != site
        if self._single is not None and not moved:
            # PostgreSQL: the fast path alone is one statement, so no BEGIN and COMMIT round trips
            with self._single.connect() as conn:
                if self._same_as_before(conn, lane_id, now, values, found):
                    self._online[lane_id] = True
                    return []
        with self.engine.begin() as conn:
            if self._single is None and self._same_as_before(conn, lane_id, now, values, found):
                changed = None
            else:
                changed = self._record_changed(conn, lane_id, now, values, found, keepalive_of)
            if moved:  # rare: a lane's site is set in its config
                # (a site that moved is a write to lanes: the change feed tells every page itself)
                conn.execute(
                    update(lanes).where(lanes.c.id == lane_id, lanes.c.site != site).values(site=site)
                )
                self._sites[lane_id] = site
        raised = [] if changed is None else self._evaluate(lane_id, *changed)
        self._online[lane_id] = True
        return raised

    def _same_as_before(self, conn: Connection, lane_id: str, now: float, values: dict, found: dict) -> bool:
        """The fast path: one ``UPDATE`` (built once, ``fleet_statements``) that matches only if
        nothing an alert or a chart needs changed (same counters, same conditions with or without
        a short-code lockout, same digest, online)."""
        params = {
            **{f"v_{name}": value for name, value in values.items()},
            "k_lane": lane_id,
            "k_now": now,
            "k_counters": values["last_counters"],
            "k_since": now - self.offline_seconds,
            "k_locked_hash": _conditions_hash({**found, **LOCKOUT}),
            "k_hash": _conditions_hash(found),
            "k_digest": values["digest"],
        }
        return conn.execute(statements.same_as_before(tuple(values)), params).rowcount == 1

    def _record_changed(
        self, conn: Connection, lane_id: str, now: float, values: dict, found: dict, keepalive_of: str | None
    ):
        """The slow path: the row locked, events counted, live pages told if the content changed
        or the lane came back; what to evaluate: (conditions, their hash), ``OFFLINE_ONLY`` when
        only the lane's lateness is news (conditions as before), or None."""
        row = conn.execute(statements.LOCK_ROW, {"k_lane": lane_id}).first()
        if row is None and keepalive_of is not None:
            raise StaleKeepalive(lane_id)
        if row is None:
            # two workers may take this lane's first heartbeats at once: insert-or-nothing, then lock
            insert_ignore(
                conn, lane_status, {"lane_id": lane_id, **values, "last_counters": "{}", "digest": ""}
            )
            row = conn.execute(statements.LOCK_ROW, {"k_lane": lane_id}).first()
        if keepalive_of is not None and row.digest != keepalive_of:
            raise StaleKeepalive(lane_id)  # a full report replaced the one the keepalive stands for
        before = json.loads(row.last_counters or "{}")
        counters = json.loads(values["last_counters"])
        if before:
            add_events(conn, lane_id, int(now // 60), delta(before, counters))
        locked = conn.execute(statements.LOCKED_UNTIL, {"k_lane": lane_id}).scalar()
        if locked is not None and locked > now:
            found = {**found, **LOCKOUT}
        digest = _conditions_hash(found)
        late = row.received_at < now - self.offline_seconds
        conn.execute(
            update(lane_status).where(lane_status.c.lane_id == lane_id).values(**values, conditions=digest)
        )
        if row.digest != values["digest"] or late:
            self.changes.notify(conn, [lane_id])  # delivered on commit, to every office worker
        if digest != row.conditions or not row.conditions:
            return found, digest
        # the conditions the rules last saw ("" is "not yet seen": the timer's raise resets it),
        # only later than offline_seconds: the lane.offline rule alone has news
        return (OFFLINE_ONLY, digest) if late else None

    def _evaluate(self, lane_id: str, found: dict, digest: str) -> list[str]:
        """Run the alert rules on conditions already stored (after the commit, so the row is
        not locked meanwhile); if they cannot be trusted, the next heartbeat runs them again.
        ``OFFLINE_ONLY``: a late beat that changed nothing: only ``lane.offline`` may clear."""
        if found is OFFLINE_ONLY:
            return self.alerts.evaluate(lane_id, {}, scope=lambda rule: rule == LANE_OFFLINE)
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
