"""What a heartbeat costs the office (issue 13): an unchanged keepalive is one statement and
writes only what moves; a late beat that changes nothing runs the ``lane.offline`` rule alone;
a keepalive whose host health changes a condition still raises (and clears) its alert."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from controller.kernel import heartbeat as protocol
from controller.office.alerts import Alerts
from controller.office.db.tables import lane_status
from controller.office.fleet import Fleet
from tests.controller.office.test_fleet_keepalive import full, keepalive


def fleet_on(engine, clock) -> Fleet:
    return Fleet(engine, Alerts(engine, clock=clock), offline_seconds=12, clock=clock)


@pytest.fixture
def statements(engine):
    """The SQL statements the engine runs while the ``with`` block is open, in order."""
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        seen.append(statement.split()[0].upper())

    event.listen(engine, "before_cursor_execute", count)
    yield seen
    event.remove(engine, "before_cursor_execute", count)


def row(engine):
    with engine.connect() as conn:
        return conn.execute(select(lane_status)).first()


def test_an_unchanged_keepalive_is_one_update_of_what_moves(engine, clock, statements):
    fleet = fleet_on(engine, clock)
    digest = fleet.receive("lane-1", full(reads=1))["digest"]
    report_before = row(engine).report
    for temp in (51.0, 52.5):
        clock.advance(3)
        statements.clear()
        assert fleet.receive("lane-1", keepalive(digest, reads=1, temp=temp)) == {
            "ok": True,
            "raised": [],
            "digest": digest,
        }
        assert [s for s in statements if s not in ("BEGIN", "COMMIT", "SELECT")] == ["UPDATE"]
        assert statements.count("UPDATE") == 1 and "SELECT" not in statements
    stored = row(engine)
    assert stored.report == report_before  # the full report is not rewritten
    assert protocol.digest({**full(), "host": {"cpu_temp_c": 52.5}}) == stored.digest
    assert fleet.lane("lane-1")["host"]["cpu_temp_c"] == 52.5 and stored.received_at == clock()


def test_another_worker_reads_the_stored_report_once_per_digest(engine, clock, statements):
    digest = fleet_on(engine, clock).receive("lane-1", full(printer="error"))["digest"]
    other = fleet_on(engine, clock)  # a worker that never saw the full report
    clock.advance(3)
    statements.clear()
    assert other.receive("lane-1", keepalive(digest))["ok"]
    assert statements.count("SELECT") == 1  # the stored content's conditions, once
    clock.advance(3)
    statements.clear()
    assert other.receive("lane-1", keepalive(digest))["ok"]
    assert "SELECT" not in statements and statements.count("UPDATE") == 1
    assert other.lane("lane-1")["health"] == "error"


def test_a_keepalive_whose_host_health_changes_raises_and_clears(engine, clock):
    fleet = fleet_on(engine, clock)
    digest = fleet.receive("lane-1", full())["digest"]
    clock.advance(3)
    assert fleet.receive("lane-1", keepalive(digest, temp=81.0))["raised"] == ["temperature.high"]
    clock.advance(3)
    assert fleet.receive("lane-1", keepalive(digest, temp=81.5))["raised"] == []
    assert [a["rule"] for a in fleet.alerts.open_alerts("lane-1")] == ["temperature.high"]
    clock.advance(3)
    fleet.receive("lane-1", keepalive(digest, temp=60.0))
    assert fleet.alerts.open_alerts("lane-1") == []


def test_a_late_unchanged_beat_runs_only_the_offline_rule_and_clears_it(engine, clock, monkeypatch):
    fleet = fleet_on(engine, clock)
    digest = fleet.receive("lane-1", full())["digest"]
    # an alert open beside it, which a late beat's evaluation must leave alone
    fleet.alerts.evaluate("lane-1", {"printer.media_empty": "x"}, scope=lambda r: True)
    # another worker's timer raised lane.offline; its reset of the conditions is not committed yet
    clock.advance(13)
    fleet.alerts.evaluate("lane-1", {"lane.offline": "13 s"}, scope=lambda r: r == "lane.offline")
    calls = []
    evaluate = fleet.alerts.evaluate

    def spy(lane_id, found, *, scope):
        calls.append((dict(found), [r for r in ("lane.offline", "printer.media_empty") if scope(r)]))
        return evaluate(lane_id, found, scope=scope)

    monkeypatch.setattr(fleet.alerts, "evaluate", spy)
    assert fleet.receive("lane-1", keepalive(digest))["ok"]
    assert calls == [({}, ["lane.offline"])]  # not the whole rule set, and nothing else cleared
    assert [a["rule"] for a in fleet.alerts.open_alerts("lane-1")] == ["printer.media_empty"]
    assert fleet.lane("lane-1")["online"]
    clock.advance(3)
    calls.clear()
    assert fleet.receive("lane-1", keepalive(digest))["ok"] and calls == []  # on time again: fast


def test_the_timer_raises_lane_offline_once_and_then_leaves_the_lane_alone(engine, clock, monkeypatch):
    fleet = fleet_on(engine, clock)
    fleet.receive("lane-1", full())
    clock.advance(13)
    calls = []
    evaluate = fleet.alerts.evaluate
    monkeypatch.setattr(fleet.alerts, "evaluate", lambda *a, **k: calls.append(a[0]) or evaluate(*a, **k))
    assert fleet.check_offline() == ["lane-1"] and calls == ["lane-1"]
    clock.advance(2)
    assert fleet.check_offline() == ["lane-1"] and calls == ["lane-1"]  # open already: not again
    assert [a["rule"] for a in fleet.alerts.open_alerts("lane-1")] == ["lane.offline"]
    fleet.receive("lane-1", full())  # back: cleared; silent again later: raised again
    clock.advance(13)
    assert fleet.check_offline() == ["lane-1"] and calls == ["lane-1", "lane-1", "lane-1"]
    assert [a["rule"] for a in fleet.alerts.open_alerts("lane-1")] == ["lane.offline"]
