"""The append-only, hash-chained audit log: who did what, when, to which subject.

Each sealed record's hash is ``sha256(prev_hash + canonical JSON of [seq, at, actor, action,
subject, detail])``, so changing, deleting, inserting or reordering a sealed record breaks the
chain at that point. No writer waits on the chain's head: on PostgreSQL ``append`` only inserts
the record (``seq``, ``prev_hash``, ``hash`` NULL) in the caller's transaction, and after the
commit wakes the sealer (``AuditSealer``), which gives the records that have arrived, oldest
first, the next seqs and their hashes under a lock on the single ``audit_head`` row that only
sealers take. On SQLite a writer holds the database's one write lock anyway, so ``append`` seals
its record at once in the same transaction. A record of a rolled-back transaction never exists;
a committed one is sealed exactly once (the head lock and the unique ``seq``). ``verify`` reports
records left unsealed longer than ``STALE_AFTER_S`` (a sealer that died). Never put a pickup code
or a short code into ``detail``: a code-hash prefix is enough to correlate.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.engine import Connection, Engine

from controller.office.db import commit_hooks, reading
from controller.office.db.tables import AUDIT_GENESIS_HASH, audit_head, audit_log

log = logging.getLogger(__name__)

APPENDED = "audit.appended"  # the commit-hook topic the sealer listens to
STALE_AFTER_S = 60.0  # unsealed longer than this: no sealer is running (it seals within ~1 s)
SEAL_BATCH = 500  # records per sealing transaction: the head lock is held for one batch only


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of a chain check; ``first_bad_seq`` is where the chain first breaks."""

    ok: bool
    count: int
    first_bad_seq: int | None = None
    problem: str = ""
    pending: int = 0  # records that arrived and are not yet sealed into the chain


def canonical_json(value) -> str:
    """One spelling for one value: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def record_hash(prev_hash: str, *, seq: int, at: float, actor: str, action: str, subject: str, detail) -> str:
    """The chain hash of one record (``detail`` as a dict or as its canonical JSON text)."""
    if isinstance(detail, str):
        detail = json.loads(detail)
    body = canonical_json([seq, at, actor, action, subject, detail])
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def append(
    conn: Connection,
    *,
    actor: str,
    action: str,
    subject: str,
    detail: dict | None = None,
    at: float | None = None,
) -> None:
    """Add one record in the caller's transaction (sealed into the chain after it commits, or at
    once on SQLite)."""
    if conn.dialect.name != "sqlite":
        arrive(conn, actor=actor, action=action, subject=subject, detail=detail, at=at)
        return
    # SQLite: this transaction holds the write lock (BEGIN IMMEDIATE), so nobody waits on the head
    # longer than on that lock: seal in place, three statements as before the sealer existed.
    detail = dict(detail or {})
    at = float(time.time() if at is None else at)
    head = conn.execute(select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1)).one()
    seq = head.seq + 1
    digest = record_hash(
        head.hash, seq=seq, at=at, actor=actor, action=action, subject=subject, detail=detail
    )
    conn.execute(
        audit_log.insert().values(
            seq=seq,
            at=at,
            arrived_at=time.time(),
            actor=actor,
            action=action,
            subject=subject,
            detail=canonical_json(detail),
            prev_hash=head.hash,
            hash=digest,
        )
    )
    conn.execute(update(audit_head).where(audit_head.c.id == 1).values(seq=seq, hash=digest))


def arrive(
    conn: Connection,
    *,
    actor: str,
    action: str,
    subject: str,
    detail: dict | None = None,
    at: float | None = None,
) -> None:
    """Insert one unsealed record in the caller's transaction and wake the sealer after commit
    (``append`` on PostgreSQL; tests use it to exercise the sealer on SQLite too)."""
    conn.execute(
        audit_log.insert().values(
            at=float(time.time() if at is None else at),
            arrived_at=time.time(),  # the real clock, not the caller's: for the staleness check
            actor=actor,
            action=action,
            subject=subject,
            detail=canonical_json(dict(detail or {})),
        )
    )
    commit_hooks.signal(conn, APPENDED)


def seal(conn: Connection, limit: int | None = None) -> int:
    """Give up to ``limit`` arrived records, oldest first, their seq and hash; returns how many.

    Run in a transaction of its own. The head lock makes sealers take turns, and each one reads the
    unsealed records only once it holds the lock, so it sees what the one before it sealed. A
    record whose transaction commits after a later-arriving one was sealed gets the next seq: the
    chain's order is the order of sealing. A failure before the commit seals nothing.
    """
    head = conn.execute(
        select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1).with_for_update()
    ).one()
    batch = SEAL_BATCH if limit is None else limit
    rows = conn.execute(
        select(audit_log).where(audit_log.c.seq.is_(None)).order_by(audit_log.c.id).limit(batch)
    ).all()
    if not rows:
        return 0
    seq, prev, sealed = head.seq, head.hash, []
    for row in rows:
        seq += 1
        digest = record_hash(
            prev,
            seq=seq,
            at=row.at,
            actor=row.actor,
            action=row.action,
            subject=row.subject,
            detail=row.detail,
        )
        sealed.append({"b_id": row.id, "b_seq": seq, "b_prev": prev, "b_hash": digest})
        prev = digest
    _write_seals(conn, sealed)
    _move_head(conn, seq, prev)
    return len(rows)


def _write_seals(conn: Connection, sealed: list[dict]) -> None:
    # one executemany (psycopg pipelines it): a batch is not one round trip per record
    statement = (
        update(audit_log)
        .where(audit_log.c.id == bindparam("b_id"), audit_log.c.seq.is_(None))
        .values(seq=bindparam("b_seq"), prev_hash=bindparam("b_prev"), hash=bindparam("b_hash"))
    )
    conn.execute(statement, sealed)


def _move_head(conn: Connection, seq: int, digest: str) -> None:
    conn.execute(update(audit_head).where(audit_head.c.id == 1).values(seq=seq, hash=digest))


def seal_all(engine: Engine) -> int:
    """Seal every record that has arrived, one batch per transaction; returns how many."""
    with reading(engine) as conn:  # nothing waiting (SQLite always, PG mostly): no head lock taken
        if conn.execute(select(audit_log.c.id).where(audit_log.c.seq.is_(None)).limit(1)).first() is None:
            return 0
    total = 0
    while True:
        with engine.begin() as conn:
            sealed = seal(conn)
        total += sealed
        if sealed < SEAL_BATCH:
            return total


def verify(
    conn: Connection, *, now: float | None = None, stale_after_s: float = STALE_AFTER_S
) -> VerifyResult:
    """Walk the sealed chain and say whether it is intact, and if not, where it first breaks; then
    count the records not sealed yet, a problem when one has waited over ``stale_after_s``."""
    expected_seq = 1
    prev = AUDIT_GENESIS_HASH
    count = 0
    rows = conn.execute(select(audit_log).where(audit_log.c.seq.is_not(None)).order_by(audit_log.c.seq))
    for row in rows:
        count += 1
        if row.seq != expected_seq:
            if row.seq > expected_seq:
                return _bad(count, expected_seq, f"record {expected_seq} is missing")
            return _bad(count, row.seq, f"record {row.seq} is out of sequence")
        if row.prev_hash != prev:
            return _bad(
                count,
                row.seq,
                f"record {row.seq} does not link to record {row.seq - 1} (inserted, deleted or reordered)",
            )
        try:
            recomputed = record_hash(
                row.prev_hash,
                seq=row.seq,
                at=row.at,
                actor=row.actor,
                action=row.action,
                subject=row.subject,
                detail=row.detail,
            )
        except (ValueError, TypeError):
            return _bad(count, row.seq, f"record {row.seq} has unreadable detail")
        if recomputed != row.hash:
            return _bad(count, row.seq, f"record {row.seq} was modified")
        prev = row.hash
        expected_seq += 1
    head = conn.execute(select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1)).one()
    last_seq = expected_seq - 1
    if head.seq > last_seq:
        return _bad(count, last_seq + 1, f"records {last_seq + 1}..{head.seq} are missing at the end")
    if head.seq < last_seq or head.hash != prev:
        return _bad(count, head.seq + 1 if head.seq < last_seq else last_seq, "the chain head does not match")
    pending, oldest = conn.execute(
        # a record written past ``arrive`` has no arrival time: as old as can be
        select(func.count(), func.min(func.coalesce(audit_log.c.arrived_at, 0.0))).where(
            audit_log.c.seq.is_(None)
        )
    ).one()
    waited = (time.time() if now is None else now) - oldest if pending else 0.0
    if waited > stale_after_s:
        problem = f"{pending} records not sealed, the oldest for {waited:.0f} s: is the audit sealer running?"
        log.warning("audit chain: %s", problem)
        return VerifyResult(ok=False, count=count, problem=problem, pending=pending)
    return VerifyResult(ok=True, count=count, pending=pending)


def _bad(count: int, seq: int, problem: str) -> VerifyResult:
    log.warning("audit chain broken at seq %d: %s", seq, problem)
    return VerifyResult(ok=False, count=count, first_bad_seq=seq, problem=problem)


def history(conn: Connection, subject: str) -> list[dict]:
    """Every committed record about ``subject``, sealed or not, in the order they were written, as
    plain dicts (``seq`` is None until sealed)."""
    rows = conn.execute(select(audit_log).where(audit_log.c.subject == subject).order_by(audit_log.c.id))
    return [
        {
            "seq": row.seq,
            "at": row.at,
            "actor": row.actor,
            "action": row.action,
            "subject": row.subject,
            "detail": json.loads(row.detail),
        }
        for row in rows
    ]
