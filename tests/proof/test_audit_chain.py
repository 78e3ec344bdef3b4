"""Suite 6, audit chain: every modified, deleted, inserted or reordered record is found at its index.

A chain of records is written through ``audit.append``; each trial tampers with it inside a
transaction that is rolled back afterwards, so hundreds of random positions run on one chain.
"""

from __future__ import annotations

import random
from collections import Counter

import pytest
from sqlalchemy import delete, select, update

from controller.office import audit
from controller.office.db.tables import audit_head, audit_log

FIELDS = ("at", "actor", "action", "subject", "detail", "prev_hash", "hash")


def write_chain(engine, length: int) -> int:
    """Append ``length`` varied records; return the seq of the last one."""
    rng = random.Random(7)
    with engine.begin() as conn:
        start = conn.execute(select(audit_head.c.seq)).scalar_one()
        for number in range(length):
            audit.append(
                conn,
                at=1_750_000_000.0 + number,
                actor=rng.choice(["staff:1", "lane:lane-1", "system", "agency:7"]),
                action=rng.choice(["document.created", "pickup.claimed", "claim.reported"]),
                subject=f"document:{rng.randint(1, 50)}",
                detail={"n": number, "note": rng.choice(["", "ok", "ülfa ☂"])},
            )
    audit.seal_all(engine)  # PostgreSQL: what the office's sealer does right after the commit
    return start + length


def row_at(conn, seq: int):
    return conn.execute(select(audit_log).where(audit_log.c.seq == seq)).one()


def tamper_modify(conn, rng, last):
    seq = rng.randint(1, last)
    row = row_at(conn, seq)
    field = rng.choice(FIELDS)
    if field == "at":
        value = row.at + rng.choice([-1.0, 0.001, 3600.0])
    elif field == "detail":
        value = row.detail.replace("}", ',"x":1}')
    elif field in ("prev_hash", "hash"):
        value = ("0" if getattr(row, field)[0] != "0" else "1") + getattr(row, field)[1:]
    else:
        value = getattr(row, field) + "x"
    conn.execute(update(audit_log).where(audit_log.c.seq == seq).values({field: value}))
    return seq, f"modify.{field}"


def tamper_delete(conn, rng, last):
    seq = rng.randint(1, last)
    conn.execute(delete(audit_log).where(audit_log.c.seq == seq))
    return seq, "delete"


def tamper_insert(conn, rng, last):
    """Insert a forged record at ``seq``, shifting the later ones up, with a correct hash of its own."""
    seq = rng.randint(1, last)
    # shift from the top down so the primary key never collides
    for later in range(last, seq - 1, -1):
        conn.execute(update(audit_log).where(audit_log.c.seq == later).values(seq=later + 1))
    prev = row_at(conn, seq - 1).hash if seq > 1 else audit_log_genesis()
    body = {"at": 1.0, "actor": "staff:forger", "action": "pickup.released", "subject": "document:1"}
    digest = audit.record_hash(prev, seq=seq, detail={}, **body)
    conn.execute(audit_log.insert().values(seq=seq, detail="{}", prev_hash=prev, hash=digest, **body))
    conn.execute(update(audit_head).values(seq=last + 1))
    # the forged record links correctly; the one it displaced no longer does
    return seq + 1, "insert"


def tamper_reorder(conn, rng, last):
    first, second = sorted(rng.sample(range(1, last + 1), 2))
    a, b = row_at(conn, first), row_at(conn, second)
    columns = ("at", "actor", "action", "subject", "detail", "prev_hash", "hash")
    conn.execute(
        update(audit_log).where(audit_log.c.seq == first).values({c: getattr(b, c) for c in columns})
    )
    conn.execute(
        update(audit_log).where(audit_log.c.seq == second).values({c: getattr(a, c) for c in columns})
    )
    return first, "reorder"


def audit_log_genesis() -> str:
    from controller.office.db.tables import AUDIT_GENESIS_HASH

    return AUDIT_GENESIS_HASH


TAMPERS = [tamper_modify, tamper_delete, tamper_insert, tamper_reorder]


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_every_tampering_is_found_at_its_index(backend, make_db, size, figures):
    engine = make_db(backend)()
    last = write_chain(engine, size(300, 2000))
    trials = size(100, 1000)  # per kind of tampering
    rng = random.Random(20_240_601)
    found: Counter[str] = Counter()
    with engine.connect() as conn:
        assert audit.verify(conn).ok, "the untouched chain must verify"
    for number in range(trials * len(TAMPERS)):
        tamper = TAMPERS[number % len(TAMPERS)]
        with engine.connect() as conn:
            transaction = conn.begin()
            try:
                expected, what = tamper(conn, rng, last)
                result = audit.verify(conn)
            finally:
                transaction.rollback()
        assert not result.ok, f"{what} at {expected} went unnoticed"
        assert result.first_bad_seq == expected, f"{what} at {expected} reported at {result.first_bad_seq}"
        found[what.split(".")[0]] += 1
    with engine.connect() as conn:
        assert audit.verify(conn).ok, "rolled-back tampering must leave the chain intact"
    figures(
        f"{backend}: chain of {last} records, {sum(found.values())} tamperings "
        f"found at their index {dict(found)}"
    )


@pytest.mark.parametrize("backend", ["sqlite"])
def test_truncating_the_tail_is_found(backend, make_db, figures):
    engine = make_db(backend)()
    last = write_chain(engine, 50)
    for cut in (last, last - 3):
        with engine.connect() as conn:
            transaction = conn.begin()
            conn.execute(delete(audit_log).where(audit_log.c.seq >= cut))
            result = audit.verify(conn)
            transaction.rollback()
        assert not result.ok and result.first_bad_seq == cut
