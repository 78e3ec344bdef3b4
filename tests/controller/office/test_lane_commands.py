"""The office's command queue (controller/office/lane_commands.py) on SQLite and PostgreSQL:
each command is taken at most once and only before its deadline, results are accepted once and
only from the command's lane, and everything is audited."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import insert

from controller.kernel.errors import AmbilError
from controller.office import audit
from controller.office.db.tables import lanes
from controller.office.lane_commands import OfficeLaneCommands
from controller.office.lane_control import LaneCommandError


@pytest.fixture
def commands(engine, clock):
    with engine.begin() as conn:
        for lane_id in ("lane-1", "lane-2"):
            conn.execute(insert(lanes).values(id=lane_id, name=lane_id, created_at=0.0))
    return OfficeLaneCommands(engine, deadline_s=20.0, clock=clock, poll_s=0.01)


def actions(engine, lane_id: str) -> list[str]:
    with engine.connect() as conn:
        return [h["action"] for h in audit.history(conn, f"lane:{lane_id}")]


def test_a_command_is_taken_once_by_its_lane_and_its_result_audited(commands, engine):
    command_id = commands.queue(
        "lane-2", "open_door", {"bank": "B", "door": 3}, actor="user:1", reason="load"
    )
    assert commands.take_now("lane-1") == []  # another lane's queue is its own
    (taken,) = commands.take_now("lane-2")
    assert (
        taken["id"] == command_id and taken["args"] == {"bank": "B", "door": 3} and taken["state"] == "taken"
    )
    assert commands.take_now("lane-2") == []  # never handed out twice
    with pytest.raises(AmbilError) as refused:
        commands.finish("lane-1", command_id, {"outcome": "opened"})
    assert refused.value.key == "auth.forbidden"
    assert commands.finish("lane-2", command_id, {"outcome": "opened", "detail": "sensor"}) == "done"
    assert commands.finish("lane-2", command_id, {"outcome": "opened"}) == "done"  # a repeat post: no-op
    assert commands.wait_result(command_id) == {"outcome": "opened", "detail": "sensor"}
    assert actions(engine, "lane-2") == ["lane.command_queued", "lane.command_result"]


def test_a_command_past_its_deadline_expires_and_is_never_handed_out(commands, engine, clock):
    command_id = commands.queue("lane-2", "self_test", {"test": "lights"}, actor="user:2", reason="check")
    clock.advance(20.0)  # exactly the deadline: too late
    assert commands.take_now("lane-2") == []
    assert commands.get(command_id)["state"] == "expired"
    with pytest.raises(LaneCommandError) as no_result:
        commands.wait_result(command_id)
    assert no_result.value.state == "expired" and no_result.value.key == "lane.unreachable"
    with pytest.raises(AmbilError):  # a result for a command nobody took is refused
        commands.finish("lane-2", command_id, {"outcome": "ok"})
    assert actions(engine, "lane-2") == ["lane.command_queued", "lane.command_expired"]


def test_a_command_taken_but_not_answered_stops_the_waiter_and_a_late_result_is_kept(commands, clock):
    command_id = commands.queue(
        "lane-2", "open_door", {"bank": "B", "door": 1}, actor="user:1", reason="load"
    )
    commands.take_now("lane-2")
    clock.advance(21.0)
    with pytest.raises(LaneCommandError) as no_answer:
        commands.wait_result(command_id, grace_s=0.0)
    assert no_answer.value.state == "taken"  # the lane may have acted: the page says so
    assert commands.finish("lane-2", command_id, {"outcome": "opened"}) == "done"
    assert commands.get(command_id)["result"] == {"outcome": "opened"}


def test_an_offer_takes_nothing_and_of_two_takes_exactly_one_wins(commands):
    ids = [commands.queue("lane-1", "self_test", {"test": "frame"}, actor="t", reason="r") for _ in range(6)]
    # two long-polls hear of the same commands (an answer may be lost on the way: nothing taken)
    first, second = commands.offer("lane-1", wait=0.2), commands.offer("lane-1", wait=0.2)
    assert [c["id"] for c in first["commands"]] == [c["id"] for c in second["commands"]] == ids
    with pytest.raises(AmbilError):
        commands.take_one("lane-2", ids[0])  # another lane's command
    won: list[list[int]] = [[], []]
    start = threading.Barrier(2)

    def take_all(slot: int) -> None:
        start.wait()
        for command_id in ids:
            try:
                won[slot].append(commands.take_one("lane-1", command_id)["id"])
            except AmbilError:
                pass

    threads = [threading.Thread(target=take_all, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(won[0] + won[1]) == ids  # every command taken exactly once
    assert commands.offer("lane-1", wait=0)["commands"] == []


def test_run_waits_for_a_lane_that_takes_the_command_over_the_long_poll(commands):
    answers = {}

    def lane_worker() -> None:  # what the lane's CommandPoller does, minus HTTP
        answer = commands.offer("lane-2", wait=5)
        for offered in answer["commands"]:
            command = commands.take_one("lane-2", offered["id"])
            commands.finish("lane-2", command["id"], {"outcome": "ok", "test": command["args"]["test"]})
            answers["taken"] = command["id"]

    worker = threading.Thread(target=lane_worker)
    worker.start()
    result = commands.self_test("lane-2", "print", actor="user:3")
    worker.join()
    assert result == {"outcome": "ok", "test": "print"} and "taken" in answers


def test_unknown_lane_and_kind_are_refused(commands):
    with pytest.raises(AmbilError) as lane:
        commands.queue("lane-9", "safe_off", {}, actor="t", reason="r")
    assert lane.value.key == "lane.not_found"
    with pytest.raises(AmbilError) as kind:
        commands.queue("lane-1", "reboot", {}, actor="t", reason="r")
    assert kind.value.key == "request.invalid"
