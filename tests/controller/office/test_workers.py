"""Several office workers on one database (issue 13): an alert is open once whoever raises it,
each background job runs in one worker at a time, and workers starting together on a fresh
database both come up (migrations, default kinds, a lane's first heartbeat)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from controller.office.alerts import Alerts
from controller.office.db import make_engine
from controller.office.db.job_lock import JobLock
from controller.office.db.migrations import migrate
from controller.office.db.tables import alerts, document_kinds, lane_status
from controller.office.fleet import Fleet
from controller.office.kinds import DEFAULT_KINDS, DocumentKinds
from tests.rigs.postgres import PG_URL

WORKERS = 4


def _second_engine(engine):
    """Another worker's engine on the same database (and the same schema)."""
    if engine.dialect.name == "sqlite":
        return make_engine(str(engine.url))
    schema = engine.url  # the fixture's schema is in connect_args: read it back from a connection
    with engine.connect() as conn:
        schema = conn.exec_driver_sql("SELECT current_schema()").scalar()
    return make_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})


def _together(n: int, work) -> list[BaseException]:
    """Run ``work(i)`` on ``n`` threads released at once; the errors they raised."""
    start, errors = threading.Barrier(n), []

    def run(i):
        start.wait()
        try:
            work(i)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return errors


def test_an_alert_is_open_once_whichever_worker_raises_it(engine):
    workers = [Alerts(engine if i == 0 else _second_engine(engine)) for i in range(WORKERS)]
    for round_ in range(5):  # the same heartbeat handed to every worker at once, five times
        found = {"printer.media_empty": "no paper", f"door.left_open:A:{round_}": "120 s"}
        assert not _together(
            WORKERS, lambda i, f=found: workers[i].evaluate("lane-2", f, scope=lambda r: True)
        )
    with engine.connect() as conn:
        rows = conn.execute(
            select(alerts.c.rule, func.count()).where(alerts.c.status == "open").group_by(alerts.c.rule)
        ).all()
    assert sorted(rows) == sorted([("printer.media_empty", 1), ("door.left_open:A:4", 1)]), (
        "one open alert per rule; a heartbeat clears the door rules it no longer reports"
    )


def test_a_background_job_runs_in_one_worker_at_a_time(engine):
    locks = [JobLock(engine if i == 0 else _second_engine(engine), "fleet-timer") for i in range(3)]
    if engine.dialect.name == "sqlite":
        assert all(lock.held() for lock in locks)  # one office process on SQLite: always its own
        return
    holders = [lock.held() for lock in locks]
    assert holders.count(True) == 1
    assert [lock.held() for lock in locks] == holders  # still the same one a period later
    holder = holders.index(True)
    locks[holder].release()  # that worker stops: one of the others takes the job over
    after = [lock.held() for i, lock in enumerate(locks) if i != holder]
    assert after.count(True) == 1
    other = JobLock(locks[0].engine, "claim-leases")
    assert other.held()  # locks are per job
    for lock in [*locks, other]:
        lock.release()


def test_workers_starting_together_on_a_fresh_database(engine):
    """Two workers on a fresh database once crashed one (``a kind named ... exists``)."""
    engines = [engine, *(_second_engine(engine) for _ in range(WORKERS - 1))]
    with engine.begin() as conn:
        conn.execute(document_kinds.delete())  # a fresh office: no kinds yet

    def start(i):
        migrate(engines[i])
        DocumentKinds(engines[i]).ensure_defaults()

    assert not _together(WORKERS, start)
    with engine.connect() as conn:
        names = conn.execute(select(document_kinds.c.name)).scalars().all()
    assert sorted(names) == sorted(k[0] for k in DEFAULT_KINDS)


def test_a_lanes_first_heartbeat_at_two_workers_at_once(engine):
    """It once answered HTTP 500 (UniqueViolation pk_lane_status) at one of them."""
    fleets = [Fleet(e, Alerts(e)) for e in (engine, _second_engine(engine), _second_engine(engine))]
    report = {"state": "ready", "site": "MPP", "counters": {"reads": 1}, "devices": {}}
    assert not _together(len(fleets), lambda i: fleets[i].record("lane-9", report))
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).where(lane_status.c.lane_id == "lane-9")).scalar() == 1


@pytest.mark.parametrize("n", [1])
def test_lock_keys_are_the_same_in_every_process(n):
    from controller.office.db.job_lock import lock_key

    assert lock_key("public:fleet-timer") == lock_key("public:fleet-timer") != lock_key("public:claim-leases")


@pytest.mark.parametrize("first", [True, False], ids=["first-heartbeat", "known-lane"])
def test_a_printer_fault_in_one_heartbeat_at_every_worker_at_once(engine, first):
    """Issue 13: a heartbeat handed to several workers made duplicate ``printer.media_empty``
    alerts and HTTP 500s. Each worker here has its own engine, Alerts and Fleet."""
    engines = [engine, *(_second_engine(engine) for _ in range(WORKERS - 1))]
    fleets = [Fleet(e, Alerts(e)) for e in engines]
    healthy = {"state": "ready", "counters": {"reads": 3}, "devices": {}}
    fault = {
        "state": "ready",
        "counters": {"reads": 4, "outcomes": {"failed": 1}},
        "devices": {"printer": {"kind": "printer", "state": "error", "reasons": ["media-empty"]}},
    }
    if not first:
        fleets[0].record("lane-7", healthy)
    raised = [[] for _ in fleets]

    def beat(i):
        raised[i] = fleets[i].record("lane-7", fault)

    try:
        assert not _together(WORKERS, beat)
        assert sorted(r for rules in raised for r in rules) == ["printer.media_empty"]
        assert not _together(WORKERS, beat)  # the same again: nothing changed, nothing raised
        assert [r for rules in raised for r in rules] == []
        with engine.connect() as conn:
            rows = conn.execute(select(alerts.c.rule).where(alerts.c.status == "open")).scalars().all()
            assert rows == ["printer.media_empty"]
            assert conn.execute(select(func.count()).select_from(lane_status)).scalar() == 1
    finally:
        for e in engines[1:]:
            e.dispose()
