"""Commands from the office to a lane: a database row each, taken by the lane at most once.

A lane on its own Pi may sit behind NAT or a firewall that only lets it call out, so the office
never calls the lane: it queues a ``lane_commands`` row (kind, args, actor, reason, deadline) and
the lane hears of it over its long-poll (``GET /api/v1/lane-commands?wait=25``), takes it
(``POST .../take``: an answer lost on the way takes nothing), runs it and posts the result back.
A lane in this process (all-in-one) is handed the row directly by ``run`` (its executor is the
same lane-side code the long-poll feeds: the same journal, the same deadline check).

The rules, in one place:

- a row is taken once (``UPDATE ... WHERE state = 'queued'``), and only before its deadline;
- a queued row past its deadline becomes ``expired``, here and in every take, so a door opening
  queued while a lane was away never happens minutes later (the lane checks the deadline too,
  against the office time it was given);
- a result is accepted only from the lane the command is for, once; every queue, result and
  expiry is audited with the command's actor and reason.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable

from sqlalchemy import select, update
from sqlalchemy.engine import Connection, Engine

from controller.kernel.errors import AmbilError
from controller.office import audit
from controller.office.db import reading
from controller.office.db.tables import COMMAND_KINDS, lane_commands, lanes
from controller.office.lane_control import LaneControl

log = logging.getLogger(__name__)

MAX_TAKE = 10  # commands handed out per long-poll answer
Executor = Callable[[dict], dict]  # a lane in this process: command row -> result


class OfficeLaneCommands(LaneControl):
    """The office's ``LaneCommands`` (``controller.kernel.lane_commands``): every lane by its id.

    ``local`` maps the lanes of this process to their executors; ``deadline_s`` is how long a
    command waits for its lane (``office.lane_command_seconds``); ``online_s`` how recent a
    heartbeat must be for ``reachable``.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        deadline_s: float = 20.0,
        online_s: float = 12.0,
        local: dict[str, Executor] | None = None,
        clock: Callable[[], float] = time.time,
        poll_s: float = 0.25,
    ):
        self.engine = engine
        self.deadline_s = deadline_s
        self.online_s = online_s
        self.local = dict(local or {})
        self.clock = clock
        self.poll_s = poll_s
        # wakes waiters of this process at once; other processes' changes are seen by polling
        self._changed = threading.Condition()
        self.version = 0

    def serve_locally(self, lane_id: str, executor: Executor) -> None:
        """Hand the commands of ``lane_id`` to its executor in this process (all-in-one), through
        the same queue, deadline, journal and audit as a lane that polls over HTTP."""
        self.local[lane_id] = executor

    def _bump(self) -> None:
        with self._changed:
            self.version += 1
            self._changed.notify_all()

    def _sleep(self, seen: int, seconds: float) -> int:
        with self._changed:
            self._changed.wait_for(lambda: self.version != seen, max(0.0, seconds))
            return self.version

    # -- the queue -------------------------------------------------------------------------------
    def queue(
        self, lane_id: str, kind: str, args: dict, *, actor: str, reason: str, deadline_s: float | None = None
    ) -> int:
        """Queue one command for ``lane_id``; returns its id (audited ``lane.command_queued``)."""
        if kind not in COMMAND_KINDS:
            raise AmbilError(f"unknown command {kind!r}", key="request.invalid")
        now = self.clock()
        deadline = now + (self.deadline_s if deadline_s is None else deadline_s)
        with self.engine.begin() as conn:
            if conn.execute(select(lanes.c.id).where(lanes.c.id == lane_id)).first() is None:
                raise AmbilError(f"lane {lane_id!r}", key="lane.not_found")
            command_id = conn.execute(
                lane_commands.insert()
                .values(
                    lane_id=lane_id,
                    kind=kind,
                    args=json.dumps(args, sort_keys=True),
                    actor=actor[:200],
                    reason=reason[:300],
                    created_at=now,
                    deadline=deadline,
                    state="queued",
                )
                .returning(lane_commands.c.id)
            ).scalar_one()
            detail = {
                "command": command_id,
                "kind": kind,
                "args": args,
                "reason": reason,
                "deadline": deadline,
            }
            audit.append(
                conn,
                at=now,
                actor=actor,
                action="lane.command_queued",
                subject=f"lane:{lane_id}",
                detail=detail,
            )
        self._bump()
        return command_id

    def get(self, command_id: int) -> dict:
        with reading(self.engine) as conn:
            row = conn.execute(select(lane_commands).where(lane_commands.c.id == command_id)).first()
        if row is None:
            raise AmbilError(f"command {command_id}", key="request.invalid")
        return _as_dict(row)

    def expire_due(self) -> int:
        """Mark every queued command past its deadline ``expired`` (audited); returns how many."""
        now = self.clock()
        with self.engine.begin() as conn:
            rows = conn.execute(
                update(lane_commands)
                .where(lane_commands.c.state == "queued", lane_commands.c.deadline <= now)
                .values(state="expired", finished_at=now)
                .returning(lane_commands.c.id, lane_commands.c.lane_id, lane_commands.c.actor)
            ).all()
            for row in rows:
                audit.append(
                    conn,
                    at=now,
                    actor=row.actor,
                    action="lane.command_expired",
                    subject=f"lane:{row.lane_id}",
                    detail={"command": row.id},
                )
        if rows:
            self._bump()
        return len(rows)

    def offered(self, lane_id: str) -> list[dict]:
        """``lane_id``'s queued commands still before their deadline (not taken: an answer that
        never reaches the lane takes nothing, so the lane takes each one with ``take_one``)."""
        self.expire_due()
        with reading(self.engine) as conn:
            rows = conn.execute(
                select(lane_commands)
                .where(
                    lane_commands.c.lane_id == lane_id,
                    lane_commands.c.state == "queued",
                    lane_commands.c.deadline > self.clock(),
                )
                .order_by(lane_commands.c.id)
                .limit(MAX_TAKE)
            ).all()
        return [_as_dict(row) for row in rows]

    def take_one(self, lane_id: str, command_id: int) -> dict:
        """The lane takes one command, at most once and only before its deadline; refused
        (``request.invalid``) when it is not this lane's, taken already, expired or past due."""
        with self.engine.begin() as conn:
            row = _take(conn, lane_id, command_id, self.clock())
        if row is None:
            raise AmbilError(f"command {command_id} cannot be taken", key="request.invalid")
        self._bump()
        return _as_dict(row)

    def take_now(self, lane_id: str) -> list[dict]:
        """Take every command offered to ``lane_id`` now (a lane of this process, tests)."""
        taken = []
        for command in self.offered(lane_id):
            try:
                taken.append(self.take_one(lane_id, command["id"]))
            except AmbilError:
                continue  # taken by someone else, or its deadline passed meanwhile
        return taken

    def offer(self, lane_id: str, *, wait: float) -> dict:
        """Long-poll: ``{office_time, commands}`` as soon as one is offered, or after ``wait`` s."""
        until = time.monotonic() + max(0.0, wait)
        seen = self.version
        while True:
            commands = self.offered(lane_id)
            left = until - time.monotonic()
            if commands or left <= 0:
                return {"office_time": self.clock(), "commands": commands}
            seen = self._sleep(seen, min(self.poll_s, left))

    def finish(self, lane_id: str, command_id: int, result: dict) -> str:
        """The lane's result of a command it took: ``done`` or ``failed``; a repeat is a no-op.

        Returns the command's state. A result for another lane's command, or for one never taken,
        is refused.
        """
        if not isinstance(result, dict):
            raise AmbilError("a result is a JSON object", key="request.invalid")
        state = "done" if result.get("outcome") not in ("failed", "refused", "expired") else "failed"
        now = self.clock()
        with self.engine.begin() as conn:
            row = conn.execute(
                select(lane_commands).where(lane_commands.c.id == command_id).with_for_update()
            ).first()
            if row is None:
                raise AmbilError(f"no command {command_id}", key="request.invalid")
            if row.lane_id != lane_id:
                raise AmbilError(f"command {command_id} is not this lane's", key="auth.forbidden")
            if row.state in ("done", "failed"):
                return row.state  # the lane posted again (its first answer was not acknowledged)
            if row.state != "taken":
                raise AmbilError(f"command {command_id} is {row.state}", key="request.invalid")
            text = json.dumps(result, sort_keys=True, default=str)[:8000]
            conn.execute(
                update(lane_commands)
                .where(lane_commands.c.id == command_id)
                .values(state=state, finished_at=now, result=text)
            )
            detail = {
                "command": command_id,
                "kind": row.kind,
                "args": json.loads(row.args),
                "reason": row.reason,
                "outcome": result.get("outcome"),
                "detail": str(result.get("detail", ""))[:200],
                "late": now > row.deadline,
            }
            audit.append(
                conn,
                at=now,
                actor=row.actor,
                action="lane.command_result",
                subject=f"lane:{lane_id}",
                detail=detail,
            )
        self._bump()
        return state


def _take(conn: Connection, lane_id: str, command_id: int, now: float):
    # one conditional update: of two takes (or two office processes) exactly one wins
    return conn.execute(
        update(lane_commands)
        .where(
            lane_commands.c.lane_id == lane_id,
            lane_commands.c.id == command_id,
            lane_commands.c.state == "queued",
            lane_commands.c.deadline > now,
        )
        .values(state="taken", taken_at=now)
        .returning(*lane_commands.c)
    ).first()


def _as_dict(row) -> dict:
    return {
        "id": row.id,
        "lane_id": row.lane_id,
        "kind": row.kind,
        "args": json.loads(row.args or "{}"),
        "actor": row.actor,
        "reason": row.reason,
        "created_at": row.created_at,
        "deadline": row.deadline,
        "state": row.state,
        "result": json.loads(row.result) if row.result else None,
    }
