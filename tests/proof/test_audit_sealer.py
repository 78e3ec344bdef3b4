"""Suite 6, audit sealer: records are appended without the chain's head and sealed right after.

Several engines on one database stand for several office processes. Whatever the interleaving of
appends, rollbacks and sealers, every record a transaction committed is sealed exactly once into
one gap-free chain, and none of a rolled-back one ever appears. A sealer that fails between its
steps leaves nothing half sealed; the next one finishes. One sealer runs at a time (its job lock),
it is woken by the commit, not by polling, and it seals what is there when it stops.
"""

from __future__ import annotations

import json
import random
import threading

import pytest
from sqlalchemy import func, select

from controller.office import audit
from controller.office.audit_sealer import AuditSealer
from controller.office.db.job_lock import JobLock
from controller.office.db.tables import audit_head, audit_log
from tests.rigs.wait import wait_for

BACKENDS = ["sqlite", "postgres"]


class Rollback(Exception):
    """Raised inside a transaction to roll it back on purpose."""


def _records(engine) -> list:
    with engine.connect() as conn:
        return conn.execute(select(audit_log).order_by(audit_log.c.id)).all()


def _verify(engine, **kw) -> audit.VerifyResult:
    with engine.connect() as conn:
        return audit.verify(conn, **kw)


def _arrive(engine, n: int, subject: str = "document:1") -> None:
    with engine.begin() as conn:
        for i in range(n):
            audit.arrive(conn, actor="staff:ani", action="test.arrived", subject=subject, detail={"i": i})


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_committed_record_is_sealed_once_and_no_rolled_back_one_ever(backend, make_db, size, figures):
    factory = make_db(backend)
    offices = [factory() for _ in range(3)]  # three office processes on one database
    committed: list[tuple] = []
    lock = threading.Lock()
    writing = threading.Event()
    errors: list[BaseException] = []
    per_writer = size(40, 400)
    sealed_by = [0] * len(offices)

    def writer(number: int) -> None:
        rng, engine = random.Random(number), offices[number % len(offices)]
        try:
            for txn in range(per_writer):
                marks = [(number, txn, i) for i in range(rng.randint(1, 3))]
                try:
                    with engine.begin() as conn:
                        for mark in marks:
                            # append seals in place on SQLite; arrive leaves it to a sealer everywhere
                            write = audit.append if rng.random() < 0.5 else audit.arrive
                            write(conn, actor=f"w{number}", action="t", subject="s", detail={"m": list(mark)})
                        if rng.random() < 0.25:
                            raise Rollback
                except Rollback:
                    continue
                with lock:
                    committed.extend(marks)
        except BaseException as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)

    def sealer(number: int) -> None:  # no job lock: sealers racing on the head must still take turns
        try:
            while writing.is_set():
                sealed_by[number] += audit.seal_all(offices[number])
        except BaseException as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)

    writing.set()
    threads = [threading.Thread(target=sealer, args=(n,)) for n in range(len(offices))]
    writers = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for t in threads + writers:
        t.start()
    for t in writers:
        t.join(120)
    writing.clear()
    for t in threads:
        t.join(120)
    assert not errors, errors
    sealed_by.append(audit.seal_all(offices[0]))

    rows = _records(offices[0])
    marks = [tuple(json.loads(r.detail)["m"]) for r in rows]
    assert sorted(marks) == sorted(committed), "every committed record once, no rolled-back one"
    assert sorted(r.seq for r in rows) == list(range(1, len(rows) + 1)), "one gap-free order"
    result = _verify(offices[0])
    assert result.ok and result.count == len(committed) and result.pending == 0, result
    figures(f"{backend}: {len(committed)} records from 6 writers on 3 engines, sealed by {sealed_by}")


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_sealer_that_fails_between_its_steps_seals_nothing_and_the_next_finishes(
    backend, make_db, monkeypatch
):
    engine = make_db(backend)()
    _arrive(engine, 25)
    monkeypatch.setattr(audit, "SEAL_BATCH", 10)
    real_move_head, calls = audit._move_head, []

    def dies_on_the_second_batch(conn, seq, digest):
        calls.append(seq)
        if len(calls) == 2:  # the records of batch 2 are written in its transaction, the head not
            raise RuntimeError("the sealer's process dies here")
        real_move_head(conn, seq, digest)

    monkeypatch.setattr(audit, "_move_head", dies_on_the_second_batch)
    with pytest.raises(RuntimeError):
        audit.seal_all(engine)
    rows = _records(engine)
    assert [r.seq for r in rows] == list(range(1, 11)) + [None] * 15, "batch 1 committed, batch 2 not"
    with engine.connect() as conn:
        assert conn.execute(select(audit_head.c.seq)).scalar_one() == 10
    assert _verify(engine).ok and _verify(engine).pending == 15

    monkeypatch.setattr(audit, "_move_head", real_move_head)
    assert audit.seal_all(engine) == 15, "the next run seals the rest, and only the rest"
    rows = _records(engine)
    assert [r.seq for r in rows] == list(range(1, 26))
    assert [json.loads(r.detail)["i"] for r in rows] == list(range(25)), "in the order they arrived"
    assert _verify(engine) == audit.VerifyResult(ok=True, count=25)
    assert audit.seal_all(engine) == 0, "nothing is sealed twice"


@pytest.mark.parametrize("backend", BACKENDS)
def test_verify_reports_records_a_dead_sealer_left(backend, make_db):
    engine = make_db(backend)()
    _arrive(engine, 3)
    with engine.connect() as conn:
        arrived = conn.execute(select(func.max(audit_log.c.arrived_at))).scalar_one()
    fresh = _verify(engine, now=arrived + 1)
    assert fresh.ok and fresh.pending == 3, "just committed: the sealer is about to seal them"
    stale = _verify(engine, now=arrived + audit.STALE_AFTER_S + 1)
    assert not stale.ok and stale.first_bad_seq is None and stale.pending == 3
    assert "sealer" in stale.problem
    audit.seal_all(engine)
    assert _verify(engine, now=arrived + audit.STALE_AFTER_S + 1).ok, "sealed: nothing waits"


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_sealer_is_woken_by_the_commit_not_by_a_timer(backend, make_db):
    engine = make_db(backend)()
    sealer = AuditSealer(engine, fallback_s=3600)  # no timer would seal within the test's wait
    sealer.start()
    try:
        _arrive(engine, 2)
        wait_for(lambda: sealer.sealed == 2, what="the records of a commit sealed")
        with pytest.raises(Rollback), engine.begin() as conn:
            audit.arrive(conn, actor="x", action="rolled.back", subject="s")
            raise Rollback
        _arrive(engine, 1)
        wait_for(lambda: sealer.sealed == 3, what="the next commit's record sealed")
    finally:
        sealer.stop()
    assert [r.action for r in _records(engine)] == ["test.arrived"] * 3
    assert _verify(engine) == audit.VerifyResult(ok=True, count=3)


@pytest.mark.parametrize("backend", BACKENDS)
def test_one_sealer_at_a_time_seals_at_stop_and_another_takes_over(backend, make_db):
    factory = make_db(backend)
    engines = [factory() for _ in range(2)]
    sealers = [AuditSealer(e, fallback_s=3600, job_lock=JobLock(e, "audit-sealer")) for e in engines]
    _arrive(engines[0], 4)
    counts = [s.seal_now() for s in sealers]
    if backend == "sqlite":  # one office process on SQLite: its lock is always its own
        assert counts == [4, 0]
        return
    assert sorted(counts) == [0, 4], "one process seals, the other finds the job taken"
    holder = counts.index(4)
    _arrive(engines[1 - holder], 2)  # written by the other process, not yet sealed
    sealers[holder].stop()  # shutdown: it seals what is there, then gives the job up
    assert sealers[holder].sealed == 6
    _arrive(engines[holder], 3)
    assert sealers[1 - holder].seal_now() == 3, "the other process took the job over"
    sealers[1 - holder].stop()
    assert _verify(engines[0]) == audit.VerifyResult(ok=True, count=9)


@pytest.mark.parametrize("backend", BACKENDS)
def test_readers_see_unsealed_records_in_the_order_they_were_written(backend, make_db):
    engine = make_db(backend)()
    with engine.begin() as conn:
        audit.append(conn, actor="a", action="first", subject="document:7")
    audit.seal_all(engine)
    _arrive(engine, 2, subject="document:7")
    with engine.connect() as conn:
        history = audit.history(conn, "document:7")
    assert [h["action"] for h in history] == ["first", "test.arrived", "test.arrived"]
    assert [h["detail"].get("i") for h in history] == [None, 0, 1]
    assert history[0]["seq"] == 1 and history[-1]["seq"] is None
