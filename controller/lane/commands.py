"""The lane side of the office's commands (``controller.office.lane_commands``): run each at most
once, and only before its deadline.

``CommandRunner`` is the one executor, fed by the long-poll worker (``CommandPoller``, a lane on its
own Pi) or handed the row directly by the office (all-in-one). Like a claim, the command id is
journalled before the lane acts, so:

- a command seen again (the office re-sent it, the lane restarted before its result was posted)
  is never run again: its journalled result is posted instead, or, if the lane died while acting,
  ``uncertain`` (staff check the door);
- a command whose deadline has passed is not run. The deadline is the office's time; the lane
  measures what is left of it from the office time of the answer that carried the command, with
  its own monotonic clock, so a Pi whose wall clock is wrong cannot stretch it.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from controller.kernel.errors import AmbilError, OfficeUnreachable

if TYPE_CHECKING:
    from controller.lane.journal import Journal
    from controller.lane.lane import Lane
    from controller.lane.link import OfficeLink

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS commands (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL,
    stage      TEXT NOT NULL CHECK (stage IN ('intent', 'done')),
    result     TEXT,
    posted     INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
"""
LONG_POLL_S = 25.0  # the office holds the request this long when it has nothing for the lane
MAX_WAIT_BUSY_S = 30.0  # a release in progress is waited for at most this long (and the deadline)


class CommandRunner:
    """Runs office commands on ``lane``, journalled in ``journal`` (the lane's release journal DB).

    ``monotonic`` is the clock the deadline is measured with (tests inject one).
    """

    def __init__(self, lane: Lane, journal: Journal, *, monotonic: Callable[[], float] = time.monotonic):
        self.lane = lane
        self.journal = journal
        self.monotonic = monotonic
        with journal.transaction() as db:
            db.execute(SCHEMA)
        self._settle_interrupted()

    def _settle_interrupted(self) -> None:
        """A command journalled but never finished (the lane died while acting) is ``uncertain``
        and its result owed to the office; it is never run again."""
        for command_id, kind in self.journal.query("SELECT id, kind FROM commands WHERE stage='intent'"):
            command = {"id": command_id, "kind": kind}
            self._done(command_id, _result(command, "uncertain", "interrupted: the lane restarted"))

    def __call__(self, command: dict, *, received_at: float | None = None) -> dict:
        """Run ``command`` (a row with ``office_time``) once; returns the result to post.

        ``received_at`` is this clock's reading when the answer carrying the command arrived.
        """
        command_id = int(command["id"])
        seen = self.journal.query("SELECT stage, result FROM commands WHERE id=?", (command_id,))
        if seen:
            stage, result = seen[0]
            if stage == "done":
                return json.loads(result)
            # journalled, then the lane died before the result: it may have acted, so never again
            return self._done(command_id, _result(command, "uncertain", "interrupted: the lane restarted"))
        received = self.monotonic() if received_at is None else received_at
        left = float(command["deadline"]) - float(command["office_time"]) - (self.monotonic() - received)
        if left <= 0:
            self._intent(command_id, command["kind"])
            return self._done(
                command_id, _result(command, "expired", "deadline passed before the lane took it")
            )
        self._intent(command_id, command["kind"])  # committed before anything is energised
        try:
            answer = self._act(command, wait=min(MAX_WAIT_BUSY_S, left))
            result = {**_result(command, str(answer.get("outcome", "failed")), ""), **answer}
        except AmbilError as exc:
            result = _result(command, "failed", exc.key)
        except Exception as exc:  # noqa: BLE001 - a driver fault is the command's result, not a crash
            log.exception("command %d failed", command_id)
            result = _result(command, "failed", f"{type(exc).__name__}: {exc}")
        return self._done(command_id, result)

    def read_door(self, bank_id: str, door: int) -> bool | None:
        """The door sensor (the office reads it directly for a lane in its own process)."""
        return self.lane.read_door(bank_id, door)

    def _act(self, command: dict, *, wait: float) -> dict:
        args, actor, reason = (
            command.get("args") or {},
            command.get("actor", "office"),
            command.get("reason", ""),
        )
        kind = command["kind"]
        if kind == "open_door":
            return self.lane.service_open(
                str(args.get("bank")),
                int(args.get("door", 0)),
                actor=actor,
                reason=reason or "load",
                wait=wait,
            )
        if kind == "self_test":
            extra = {k: args[k] for k in ("bank", "door") if args.get(k) is not None}
            return self.lane.self_test(str(args.get("test")), actor=actor, wait=wait, **extra)
        if kind == "safe_off":
            # not under the act lock on purpose: outputs safe must not wait for a release
            for bank in self.lane.lockers.values():
                bank.all_off()
            self.lane.outputs.stop()
            return {"outcome": "ok", "detail": "every relay off"}
        raise AmbilError(f"unknown command {kind!r}", key="request.invalid")

    def _intent(self, command_id: int, kind: str) -> None:
        now = time.time()
        with self.journal.transaction() as db:
            db.execute(
                "INSERT INTO commands (id, kind, stage, created_at, updated_at) "
                "VALUES (?, ?, 'intent', ?, ?)",
                (command_id, kind, now, now),
            )

    def _done(self, command_id: int, result: dict) -> dict:
        with self.journal.transaction() as db:
            db.execute(
                "UPDATE commands SET stage='done', result=?, updated_at=? WHERE id=?",
                (json.dumps(result, sort_keys=True, default=str), time.time(), command_id),
            )
        log.info("command %d (%s): %s", command_id, result.get("kind"), result.get("outcome"))
        return result

    def unposted(self) -> list[tuple[int, dict]]:
        """Results the office has not acknowledged yet (posted again after a restart)."""
        rows = self.journal.query(
            "SELECT id, result FROM commands WHERE stage='done' AND posted=0 ORDER BY id"
        )
        return [(command_id, json.loads(result)) for command_id, result in rows]

    def mark_posted(self, command_id: int) -> None:
        with self.journal.transaction() as db:
            db.execute("UPDATE commands SET posted=1, updated_at=? WHERE id=?", (time.time(), command_id))


def _result(command: dict, outcome: str, detail: str) -> dict:
    return {"command": command["id"], "kind": command["kind"], "outcome": outcome, "detail": detail}


class CommandPoller:
    """The lane's long-poll worker: takes commands from the office, runs them, posts the results.

    A thread of its own, off the lane's worker and any event loop; it reconnects after a failure
    (backing off up to ``max_backoff_s``) and posts every unacknowledged result first.
    """

    def __init__(
        self,
        link: OfficeLink,
        runner: CommandRunner,
        *,
        wait_s: float = LONG_POLL_S,
        max_backoff_s: float = 10.0,
        announcement: dict | None = None,
    ):
        self.link = link
        self.runner = runner
        self.announcement = announcement  # sent once per start, before the first long-poll
        self.wait_s = wait_s
        self.max_backoff_s = max_backoff_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="lane-commands", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)  # a long-poll in flight ends with the process

    def _run(self) -> None:
        backoff = 0.5
        while not self._stop.is_set():
            try:
                self.poll_once()
                backoff = 0.5
            except OfficeUnreachable as exc:
                log.info("lane commands: office unreachable (%s); again in %.1f s", exc, backoff)
                self._stop.wait(backoff)
                backoff = min(self.max_backoff_s, backoff * 2)
            except Exception:  # noqa: BLE001 - the worker must outlive any one bad answer
                log.exception("lane commands: poll failed")
                self._stop.wait(backoff)
                backoff = min(self.max_backoff_s, backoff * 2)

    def poll_once(self) -> int:
        """Announce the lane (once), post owed results, hear of the office's commands over one
        long-poll, take each and run it; returns how many ran."""
        if self.announcement is not None:
            self.link.announce(self.announcement)
            self.announcement = None
        self.post_owed()
        ran = 0
        for offered in self.link.take_commands(wait=self.wait_s).get("commands", []):
            if self._stop.is_set():
                break  # not taken: the office expires it at its deadline
            try:
                answer = self.link.take_command(int(offered["id"]))
            except AmbilError as exc:
                if isinstance(exc, OfficeUnreachable):
                    raise
                continue  # taken already, or past its deadline: not ours to run
            received = self.runner.monotonic()  # the deadline is measured from this answer
            command = {**answer["command"], "office_time": answer["office_time"]}
            self._post(int(command["id"]), self.runner(command, received_at=received))
            ran += 1
        return ran

    def post_owed(self) -> None:
        for command_id, result in self.runner.unposted():
            self._post(command_id, result)

    def _post(self, command_id: int, result: dict) -> None:
        try:
            self.link.post_command_result(command_id, result)
        except AmbilError as exc:
            if isinstance(exc, OfficeUnreachable):
                raise  # kept unposted: sent again once the office answers
            log.warning("lane commands: office refused the result of %d (%s)", command_id, exc.key)
        self.runner.mark_posted(command_id)
