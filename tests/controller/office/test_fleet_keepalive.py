"""The office side of the keepalive protocol (``Fleet.receive``) and the change feed it feeds,
on SQLite and PostgreSQL: a keepalive stands for the stored report; one the office cannot place
is answered "send full"; a lane back from offline; an office restarted; a feed across workers."""

from __future__ import annotations

import queue

import pytest
from sqlalchemy import delete, func, select, text

from controller.kernel import heartbeat as protocol
from controller.office.alerts import Alerts
from controller.office.changes import Changes
from controller.office.db import make_engine
from controller.office.db.tables import lane_events, lane_status
from controller.office.fleet import Fleet
from controller.office.office import Office


def full(state="ready", reads=0, printer="ok", temp=50.0) -> dict:
    return {
        "schema": protocol.SCHEMA,
        "lane_id": "lane-1",
        "state": state,
        "counters": {"reads": reads, "outcomes": {}},
        "devices": {"printer": {"kind": "printer", "name": "p", "state": printer, "reasons": []}},
        "host": {"clock_synchronised": True, "cpu_temp_c": temp},
    }


def keepalive(of: str, reads=0, temp=50.0) -> dict:
    return protocol.keepalive(full(reads=reads, temp=temp), of)


def fleet_on(engine, clock) -> Fleet:
    return Fleet(engine, Alerts(engine, clock=clock), offline_seconds=12, clock=clock)


@pytest.fixture
def listen(request):
    """``listen(fleet)``: a queue of the lane ids the fleet's feed delivers in this process (on
    PostgreSQL through its LISTEN connection, started here)."""

    def start(fleet) -> queue.Queue:
        heard: queue.Queue = queue.Queue()
        fleet.changes.subscribe(heard.put)
        fleet.changes.start()
        request.addfinalizer(fleet.changes.stop)
        if fleet.changes.postgres:  # listening: first "everything may have changed"
            assert fleet.changes.listening.wait(10) and heard.get(timeout=10) is None
        return heard

    return start


def drained(heard: queue.Queue, wait: float = 0.0) -> set:
    """Every lane id delivered so far (waiting up to ``wait`` for the first batch)."""
    got: set = set()
    try:
        batch = heard.get(timeout=wait) if wait else heard.get_nowait()
        while True:
            got |= batch or set()
            batch = heard.get_nowait()
    except queue.Empty:
        return got


def stored(engine):
    with engine.connect() as conn:
        return conn.execute(select(lane_status)).first()


def test_a_keepalive_stands_for_the_stored_report(engine, clock, listen):
    fleet = fleet_on(engine, clock)
    heard = listen(fleet)
    answer = fleet.receive("lane-1", full(reads=1))
    assert answer["ok"] and answer["digest"] == protocol.digest(full())
    assert drained(heard, wait=10) == {"lane-1"}  # a new lane: its card appears
    clock.advance(3)
    again = fleet.receive("lane-1", keepalive(answer["digest"], reads=4, temp=61.5))
    assert again == {"ok": True, "raised": [], "digest": answer["digest"]}
    lane = fleet.lane("lane-1")
    assert lane["counters"]["reads"] == 4 and lane["host"]["cpu_temp_c"] == 61.5
    assert lane["devices"]["printer"]["state"] == "ok" and lane["age_s"] == 0
    with engine.connect() as conn:
        assert conn.execute(select(func.sum(lane_events.c.scans))).scalar() == 3
    with engine.begin() as conn:  # a marker after it: whatever the keepalive sent comes first
        fleet.changes.notify(conn, ["marker"])
    assert heard.get(timeout=10) == {"marker"}  # the keepalive told nobody: no card changed


def test_a_keepalive_the_office_cannot_place_is_answered_send_full(engine, clock):
    fleet = fleet_on(engine, clock)
    assert fleet.receive("lane-1", keepalive("0" * 64)) == {"ok": False, "send_full": True}
    assert stored(engine) is None  # a lane never heard of: nothing written
    digest = fleet.receive("lane-1", full())["digest"]
    before = stored(engine)
    clock.advance(3)
    assert fleet.receive("lane-1", keepalive("f" * 64))["send_full"]
    assert stored(engine).received_at == before.received_at
    fleet.receive("lane-1", full(state="scanning"))  # another report replaced the one it held
    assert fleet.receive("lane-1", keepalive(digest))["send_full"]


def test_a_keepalive_raced_by_a_new_full_report_does_not_bring_the_old_one_back(engine, clock):
    fleet = fleet_on(engine, clock)
    digest = fleet.receive("lane-1", full())["digest"]
    record = fleet.record

    def racing(lane_id, report, keepalive_of=None):
        if keepalive_of is not None:  # the keepalive read the old report; a full one lands first
            record(lane_id, full(state="scanning", reads=2))
        return record(lane_id, report, keepalive_of)

    fleet.record = racing
    clock.advance(3)
    assert fleet.receive("lane-1", keepalive(digest, reads=1))["send_full"]
    assert fleet.lane("lane-1")["state"] == "scanning"


def test_a_lane_back_from_offline_by_keepalive_clears_its_alert_and_shows(engine, clock, listen):
    fleet = fleet_on(engine, clock)
    heard = listen(fleet)
    digest = fleet.receive("lane-1", full())["digest"]
    clock.advance(13)
    assert fleet.check_offline() == ["lane-1"]
    assert [a["rule"] for a in fleet.alerts.open_alerts("lane-1")] == ["lane.offline"]
    assert drained(heard, wait=10) == {"lane-1"}  # shown offline
    assert fleet.receive("lane-1", keepalive(digest))["ok"]
    assert fleet.alerts.open_alerts("lane-1") == [] and fleet.lane("lane-1")["online"]
    assert drained(heard, wait=10) == {"lane-1"}  # shown back


def test_an_office_restarted_still_holds_the_digest_a_restored_database_does_not(engine, clock):
    digest = fleet_on(engine, clock).receive("lane-1", full(printer="error"))["digest"]
    restarted = fleet_on(engine, clock)  # a new process: nothing in memory, the row in the database
    clock.advance(3)
    assert restarted.receive("lane-1", keepalive(digest))["ok"]
    assert restarted.lane("lane-1")["health"] == "error"
    with engine.begin() as conn:  # restored from a backup taken before this lane reported
        conn.execute(delete(lane_status))
    assert restarted.receive("lane-1", keepalive(digest))["send_full"]


def test_a_schema_1_lane_sending_full_reports_still_works(engine, clock):
    fleet = fleet_on(engine, clock)
    old = {k: v for k, v in full().items() if k != "schema"}
    old["devices"]["printer"]["reasons"] = ["media-empty"]
    answer = fleet.receive("lane-1", old)
    assert answer["ok"] and answer["raised"] == ["printer.media_empty"]
    clock.advance(3)
    assert fleet.receive("lane-1", old)["raised"] == []


def test_changes_are_delivered_on_commit_and_never_on_rollback(engine):
    feed = Changes(engine)
    heard: queue.Queue = queue.Queue()
    feed.subscribe(heard.put)
    feed.start()
    try:
        if feed.postgres:
            assert feed.listening.wait(10)
            assert heard.get(timeout=10) is None  # (re)listening: everything may have changed
        with pytest.raises(RuntimeError), engine.begin() as conn:
            feed.notify(conn, ["lane-9"])
            raise RuntimeError("rolled back")
        with engine.begin() as conn:
            feed.notify(conn, ["lane-3"])
            conn.execute(text("SELECT 1"))
        assert heard.get(timeout=10) == {"lane-3"}
        assert heard.empty()
    finally:
        feed.stop()


def test_a_change_at_one_worker_reaches_a_listener_of_another(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("one process on SQLite: the in-process feed is the only one")
    with engine.connect() as conn:
        schema = conn.execute(text("SELECT current_schema()")).scalar()
    # the same database and schema through a second engine and feed: another office worker
    other = make_engine(
        engine.url.render_as_string(hide_password=False), connect_args={"options": f"-csearch_path={schema}"}
    )
    listener = Changes(other)
    heard: queue.Queue = queue.Queue()
    listener.subscribe(heard.put)
    listener.start()
    try:
        assert listener.listening.wait(10) and heard.get(timeout=10) is None
        with engine.begin() as conn:
            Changes(engine).notify(conn, ["lane-2"])
            assert heard.empty() or heard.get(timeout=0.5) is None  # not before the commit
        assert heard.get(timeout=10) == {"lane-2"}
    finally:
        listener.stop()
        other.dispose()


def test_a_lane_renamed_by_any_writer_refreshes_every_card(engine, clock, listen):
    fleet = fleet_on(engine, clock)
    heard = listen(fleet)
    fleet.receive("lane-1", full())
    assert drained(heard, wait=10) == {"lane-1"}
    Office(engine, None, b"k" * 32).ensure_lane("lane-1", "Lajur Satu")  # knows nothing of the feed
    assert heard.get(timeout=10) is None  # "everything": the page reads every card again
    assert fleet.lane("lane-1")["name"] == "Lajur Satu"


def test_many_lanes_in_one_transaction_are_one_everything(engine, clock, listen):
    fleet = fleet_on(engine, clock)
    heard = listen(fleet)
    with engine.begin() as conn:
        fleet.changes.notify(conn, [f"lane-{n}" for n in range(500)])
    assert heard.get(timeout=10) is None and heard.empty()


def test_a_write_to_lanes_that_changes_no_row_refreshes_nothing(engine, clock, listen):
    fleet = fleet_on(engine, clock)
    Office(engine, None, b"k" * 32).ensure_lane("lane-1", "Lajur 1", site="MPP")
    heard = listen(fleet)
    fleet.receive("lane-1", {**full(), "site": "MPP"})  # its site is the one stored: 0 rows moved
    with engine.begin() as conn:
        fleet.changes.notify(conn, ["marker"])
    batches = [heard.get(timeout=10)]
    while batches[-1] != {"marker"}:
        batches.append(heard.get(timeout=10))
    assert batches == [{"lane-1"}, {"marker"}]  # the new card, then the marker: no "everything"
