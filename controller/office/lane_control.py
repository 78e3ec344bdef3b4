"""The office asking a lane to act (the ``LaneCommands`` port of ``controller.kernel``), on top
of the command queue (``controller.office.lane_commands``): queue a command, hand it to a lane of
this process or wait, bounded, for the lane to take it and post its result.

Mixed into ``OfficeLaneCommands``: needs its ``queue``, ``get``, ``expire_due``, ``take_one``,
``finish``, ``_sleep``, ``version``, ``clock``, ``poll_s``, ``online_s``, ``local`` and ``engine``.
"""

from __future__ import annotations

from sqlalchemy import select

from controller.kernel.errors import AmbilError
from controller.office.db import reading
from controller.office.db.tables import lane_status

# How long a lane has, after the deadline, to post the result of a command it took (a door pulse
# and its sensor watch, a print self-test) before the waiting page stops waiting.
ANSWER_GRACE_S = 45.0


class LaneCommandError(AmbilError):
    """A command that got no result: ``state`` is ``expired`` (the lane never took it before its
    deadline: nothing was done) or ``taken`` (the lane took it and did not answer in time)."""

    def __init__(self, detail: str, *, state: str, command_id: int):
        super().__init__(detail, key="lane.unreachable")
        self.state = state
        self.command_id = command_id


class LaneControl:
    """Lane actions by lane id, each one command row (see the module docstring)."""

    def wait_result(self, command_id: int, *, grace_s: float = ANSWER_GRACE_S) -> dict:
        """The lane's result; raises ``LaneCommandError`` when the deadline (or, for a command
        taken, the deadline plus ``grace_s``) passes without one."""
        seen = self.version
        while True:
            row = self.get(command_id)
            if row["state"] in ("done", "failed"):
                return row["result"] or {}
            now = self.clock()
            if row["state"] == "queued" and now >= row["deadline"]:
                self.expire_due()
                continue  # expired, or taken in the meantime
            if row["state"] == "expired":
                raise LaneCommandError(
                    f"lane {row['lane_id']} did not take command {command_id} before its deadline",
                    state="expired",
                    command_id=command_id,
                )
            limit = row["deadline"] + (grace_s if row["state"] == "taken" else 0.0)
            if now >= limit:
                raise LaneCommandError(
                    f"lane {row['lane_id']} took command {command_id} and did not answer",
                    state="taken",
                    command_id=command_id,
                )
            seen = self._sleep(seen, min(self.poll_s, limit - now))

    def run(self, lane_id: str, kind: str, args: dict, *, actor: str, reason: str) -> dict:
        """Queue a command, hand it to a lane of this process or wait for the lane to take it, and
        return its result (see ``wait_result`` for the errors)."""
        command_id = self.queue(lane_id, kind, args, actor=actor, reason=reason)
        executor = self.local.get(lane_id)
        if executor is not None:
            command = self.take_one(lane_id, command_id)  # this process's lane takes it at once
            self.finish(lane_id, command_id, executor({**command, "office_time": self.clock()}))
        return self.wait_result(command_id)

    # -- the LaneCommands port -------------------------------------------------------------------
    def reachable(self, lane_id: str) -> bool:
        """A lane of this process, or one whose newest heartbeat is recent."""
        if lane_id in self.local:
            return True
        with reading(self.engine) as conn:
            at = conn.execute(
                select(lane_status.c.received_at).where(lane_status.c.lane_id == lane_id)
            ).scalar_one_or_none()
        return at is not None and self.clock() - at <= self.online_s

    def open_door(self, lane_id: str, bank_id: str, door: int, *, actor: str, reason: str) -> dict:
        return self.run(lane_id, "open_door", {"bank": bank_id, "door": door}, actor=actor, reason=reason)

    def self_test(self, lane_id: str, test: str, *, actor: str, reason: str = "self-test", **args) -> dict:
        return self.run(lane_id, "self_test", {"test": test, **args}, actor=actor, reason=reason)

    def safe_off(self, lane_id: str, *, actor: str, reason: str) -> dict:
        return self.run(lane_id, "safe_off", {}, actor=actor, reason=reason)

    def door_state(self, lane_id: str, bank_id: str, door: int) -> bool | None:
        """A door sensor is read only by a lane of this process; a remote one answers None (the
        result of the opening says what its sensor saw)."""
        executor = self.local.get(lane_id)
        reader = getattr(executor, "read_door", None)
        return reader(bank_id, door) if reader is not None else None
