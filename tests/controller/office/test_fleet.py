"""The fleet store: heartbeats in, lanes worst first, per-minute history, offline by a clock."""

from __future__ import annotations

from sqlalchemy import func, select, update

from controller.office.alerts import Alerts
from controller.office.db.tables import lane_events, lanes, short_code_attempts
from controller.office.fleet import Fleet


class Clock:
    def __init__(self):
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def beat(state="ready", reads=0, released=0, failed=0, printer="ok", reasons=(), **extra) -> dict:
    return {
        "lane_id": "x",
        "state": state,
        "counters": {"reads": reads, "outcomes": {"released": released, "failed": failed}},
        "devices": {"printer": {"kind": "printer", "name": "p", "state": printer, "reasons": list(reasons)}},
        "host": {"clock_synchronised": True},
        **extra,
    }


def make(build):
    system = build()
    clock = Clock()
    alerts = Alerts(system.engine, clock=clock)
    return system, Fleet(system.engine, alerts, offline_seconds=12, clock=clock), clock


def test_lanes_worst_first_and_offline(build):
    system, fleet, clock = make(build)
    system.office.ensure_lane("lane-2", "Lajur 2")
    fleet.record("lane-1", beat(site="MPP Kutai Kartanegara"))
    fleet.record("lane-2", beat(printer="error", reasons=["media-empty"]))
    lanes = fleet.lanes()
    assert [(lane["lane_id"], lane["health"]) for lane in lanes] == [("lane-2", "error"), ("lane-1", "ok")]
    assert lanes[1]["site"] == "MPP Kutai Kartanegara"
    assert [a["rule"] for a in lanes[0]["alerts"]] == ["printer.media_empty"]
    clock.now += 13
    assert fleet.check_offline() == ["lane-1", "lane-2"]
    assert {lane["health"] for lane in fleet.lanes()} == {"offline"}
    assert fleet.check_offline() == ["lane-1", "lane-2"]  # still one lane.offline alert each
    assert len([a for a in fleet.alerts.open_alerts("lane-1") if a["rule"] == "lane.offline"]) == 1
    heard = []
    fleet.changes.subscribe(heard.append)
    fleet.record("lane-1", beat())  # back: lane.offline clears, live pages hear of it
    assert {"lane-1"} in heard
    assert fleet.alerts.open_alerts("lane-1") == []


def test_a_lane_registered_that_never_reported_raises_an_alert_its_first_heartbeat_clears(build):
    system, fleet, clock = make(build)
    system.office.ensure_lane("lane-9", "Lajur 9")
    with system.engine.begin() as conn:  # registered 5 s ago (on the fleet's clock)
        conn.execute(update(lanes).where(lanes.c.id == "lane-9").values(created_at=clock.now - 5))
    assert "lane-9" not in fleet.check_never_reported()  # a lane just registered gets its time
    clock.now += 8  # 13 s since it was registered, no heartbeat
    assert "lane-9" in fleet.check_never_reported()
    assert "lane-9" not in fleet.check_never_reported()  # still one alert
    (alert,) = fleet.alerts.open_alerts("lane-9")
    assert (alert["rule"], alert["severity"]) == ("lane.never_reported", "warning")
    assert fleet.lane("lane-9")["alerts"][0]["rule"] == "lane.never_reported"  # the dashboard's card
    fleet.record("lane-9", beat())  # its first heartbeat: it has reported now
    assert fleet.alerts.open_alerts("lane-9") == []
    clock.now += 60
    assert "lane-9" not in fleet.check_never_reported()  # heard once: offline from now on, not "never"
    assert fleet.check_offline() == ["lane-9"]
    assert [a["rule"] for a in fleet.alerts.open_alerts("lane-9")] == ["lane.offline"]


def test_counters_become_per_minute_history(build):
    system, fleet, clock = make(build)
    fleet.record("lane-1", beat(reads=5, released=2))  # the first report only sets the base
    clock.now += 60
    fleet.record("lane-1", beat(reads=9, released=4, failed=1))
    clock.now += 60
    fleet.record("lane-1", beat(reads=2, released=1))  # the lane restarted: counters from zero
    series = fleet.series("lane-1", hours=1, buckets=6)
    assert sum(b["scans"] for b in series) == 4 + 2
    assert sum(b["releases"] for b in series) == 2 + 1
    assert sum(b["failures"] for b in series) == 1
    clock.now += 8 * 86400
    assert fleet.prune() == 2


def test_short_code_lockout_raises_an_alert(build):
    system, fleet, clock = make(build)
    with system.engine.begin() as conn:
        conn.execute(
            short_code_attempts.insert().values(
                lane_id="lane-1", failures=5, locked_until=clock.now + 300, updated_at=clock.now
            )
        )
    fleet.record("lane-1", beat())
    assert [a["rule"] for a in fleet.alerts.open_alerts("lane-1")] == ["codes.lockout"]
    with system.engine.begin() as conn:
        conn.execute(update(short_code_attempts).values(locked_until=None, failures=0))
    fleet.record("lane-1", beat())
    assert fleet.alerts.open_alerts("lane-1") == []


def test_live_pages_hear_of_changes_a_person_sees_and_of_nothing_else(build):
    system, fleet, clock = make(build)
    heard = []
    fleet.changes.subscribe(heard.append)
    fleet.record("lane-1", beat(reads=1))
    assert heard and set().union(*heard) == {"lane-1"}
    heard.clear()
    clock.now += 3
    fleet.record("lane-1", beat(reads=2, host={"clock_synchronised": True, "uptime_s": 99}))
    assert heard == []  # counters and the Pi's numbers moved: nothing on a card changed
    fleet.record("lane-1", beat(reads=2, state="scanning"))
    assert heard == [{"lane-1"}]


def test_a_heartbeat_that_changes_nothing_runs_no_alert_rules(build, monkeypatch):
    system, fleet, clock = make(build)
    fleet.record("lane-1", beat(reads=1))
    calls = []
    evaluate = fleet.alerts.evaluate
    monkeypatch.setattr(fleet.alerts, "evaluate", lambda *a, **k: calls.append(a) or evaluate(*a, **k))
    for _ in range(3):
        clock.now += 3
        assert fleet.record("lane-1", beat(reads=1)) == []
    assert calls == []
    with system.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(lane_events)).scalar() == 0
    clock.now += 3
    assert fleet.record("lane-1", beat(reads=1, printer="error", reasons=["media-empty"])) == [
        "printer.media_empty"
    ]
    assert len(calls) == 1
    clock.now += 3
    fleet.record("lane-1", beat(reads=1))  # the fault ended: the rules run and clear it
    assert len(calls) == 2 and fleet.alerts.open_alerts("lane-1") == []


def test_lane_offline_raised_just_after_a_heartbeat_clears_on_the_next(build, monkeypatch):
    """The timer reads a silent lane, a heartbeat comes and evaluates, then the timer raises
    ``lane.offline``: the next heartbeat (which changes nothing else) must still clear it."""
    system, fleet, clock = make(build)
    fleet.record("lane-1", beat())
    clock.now += 13
    evaluate = fleet.alerts.evaluate

    def late_timer(lane_id, found, **kw):
        if "lane.offline" in found:
            fleet.record(lane_id, beat())  # the heartbeat that slipped in between
        return evaluate(lane_id, found, **kw)

    monkeypatch.setattr(fleet.alerts, "evaluate", late_timer)
    assert fleet.check_offline() == ["lane-1"]
    monkeypatch.setattr(fleet.alerts, "evaluate", evaluate)
    assert [a["rule"] for a in fleet.alerts.open_alerts("lane-1")] == ["lane.offline"]
    clock.now += 3
    fleet.record("lane-1", beat())
    assert fleet.alerts.open_alerts("lane-1") == []


def test_a_fault_evaluated_after_a_newer_heartbeat_is_evaluated_again(build, monkeypatch):
    """Worker A stores a printer fault; before A runs the rules, worker B stores the lane's next
    heartbeat (fault gone) and runs them; then A raises the fault. The next heartbeat clears it."""
    system, fleet_a, clock = make(build)
    fleet_b = Fleet(system.engine, Alerts(system.engine, clock=clock), offline_seconds=12, clock=clock)
    fleet_a.record("lane-1", beat())
    evaluate = fleet_a.alerts.evaluate

    def late(lane_id, found, **kw):
        clock.now += 3
        fleet_b.record(lane_id, beat())  # the newer heartbeat, at the other worker
        return evaluate(lane_id, found, **kw)

    monkeypatch.setattr(fleet_a.alerts, "evaluate", late)
    clock.now += 3
    assert fleet_a.record("lane-1", beat(printer="error", reasons=["media-empty"])) == ["printer.media_empty"]
    monkeypatch.setattr(fleet_a.alerts, "evaluate", evaluate)
    clock.now += 3
    fleet_b.record("lane-1", beat())
    assert fleet_b.alerts.open_alerts("lane-1") == []
