"""The outbox leases due rows in batches (``outbox.claim_due``): one UPDATE leases many,
racing workers get disjoint rows, rows sent are marked in one statement, and a worker whose
batch lease is half gone gives the rest back instead of sending them (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading

from sqlalchemy import event, select

from controller.office.db.tables import notifications
from controller.office.notify import outbox
from controller.office.notify.worker import OutboxWorker

NOW = 1_750_000_000.0
PAYLOAD = '{"to": "+62812", "subject": "s", "text": "t"}'


def queue_rows(engine, n: int) -> list[int]:
    return [
        outbox.enqueue(
            engine, doc_id=None, purpose="code", channel="log", target="x", now=NOW, payload=PAYLOAD
        )
        for _ in range(n)
    ]


def statements(engine) -> list[str]:
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda c, cur, sql, *a: seen.append(sql.split()[0].upper()))
    return seen


def test_one_statement_leases_a_batch_and_one_marks_it_sent(engine):
    ids = queue_rows(engine, 25)
    seen = statements(engine)
    batch = outbox.claim_due(engine, "w1", NOW)
    assert [d.id for d in batch] == ids[: outbox.CLAIM_BATCH] and seen.count("UPDATE") == 1
    assert [d.id for d in outbox.claim_due(engine, "w2", NOW)] == ids[20:]  # the rest, to another
    assert outbox.mark_sent_many(engine, [d.id for d in batch], "w2", NOW) == 0  # not w2's lease
    assert outbox.mark_sent_many(engine, [d.id for d in batch], "w1", NOW) == len(batch)
    with engine.connect() as conn:
        rows = {r.id: r for r in conn.execute(select(notifications))}
    assert {rows[i].status for i in ids[:20]} == {"sent"} and {rows[i].attempts for i in ids[:20]} == {1}
    assert all(rows[i].payload is None for i in ids[:20])


def test_racing_workers_lease_disjoint_rows(engine):
    ids = queue_rows(engine, 60)
    won: dict[str, list[int]] = {}
    start = threading.Barrier(4)

    def take(owner):
        start.wait()
        mine = []
        while batch := outbox.claim_due(engine, owner, NOW):
            mine += [d.id for d in batch]
        won[owner] = mine

    threads = [threading.Thread(target=take, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    taken = [i for mine in won.values() for i in mine]
    assert sorted(taken) == ids  # every row once, none twice


def test_a_batch_whose_lease_is_half_gone_gives_the_rest_back(engine):
    ids = queue_rows(engine, 3)
    clock = {"now": NOW}
    sent = []

    class SlowChannel:
        name = "log"

        def send(self, message):
            sent.append(message)
            clock["now"] += outbox.LEASE_SECONDS / 2 + 1  # this send took half the lease

    config = type("C", (), {"max_attempts": 3, "retry_seconds": 1.0})()
    worker = OutboxWorker(
        engine, config, channel=SlowChannel(), sealer=None, http=None,
        clock=lambda: clock["now"], http_timeout=1, poll_seconds=1,
    )  # fmt: skip
    worker._send_batch(outbox.claim_due(engine, worker.owner, NOW))
    with engine.connect() as conn:
        rows = {r.id: r for r in conn.execute(select(notifications))}
    assert len(sent) == 1 and rows[ids[0]].status == "sent" and worker.sent == 1
    assert all(rows[i].status == "pending" and rows[i].locked_by is None for i in ids[1:])
    assert [d.id for d in outbox.claim_due(engine, "other", clock["now"])] == ids[1:]  # at once
