"""The append-only, hash-chained audit log: who did what, when, to which subject.

Each sealed record's hash is ``sha256(prev_hash + canonical JSON of [seq, at, actor, action,
subject, detail])``, so changing, deleting, inserting or reordering a sealed record breaks the
chain at that point. ``append`` only inserts the record in the caller's transaction: no writer
waits on the chain's head. ``seal`` then gives the records that have arrived, in arrival order,
the next seqs and their hashes, under a lock on the single ``audit_head`` row that only the
sealer takes (on SQLite, where writers are serialised anyway, ``append`` seals at once in the same
transaction). A record is unsealed only between its commit and the next seal (``AuditSealer``,
a fraction of a second); ``verify`` counts them. Never put a pickup code or a short code into
``detail``: a code-hash prefix is enough to correlate.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection, Engine

from controller.office.db.tables import AUDIT_GENESIS_HASH, audit_head, audit_log

log = logging.getLogger(__name__)


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
    """Add one record in the caller's transaction; it is sealed into the chain after commit."""
    detail = dict(detail or {})
    at = float(time.time() if at is None else at)
    conn.execute(
        audit_log.insert().values(
            at=at, actor=actor, action=action, subject=subject, detail=canonical_json(detail)
        )
    )
    if conn.dialect.name == "sqlite":  # one writer at a time already: seal now, in this transaction
        seal(conn)


def seal(conn: Connection, limit: int = 500) -> int:
    """Give up to ``limit`` arrived records, oldest first, their seq and hash; returns how many.

    Runs in its own short transaction (the ``AuditSealer``) or, on SQLite, in the writer's. The
    head lock makes two sealers take turns; a record whose transaction commits after a later one
    was sealed simply gets the next seq: the chain's order is the order of sealing.
    """
    head = conn.execute(
        select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1).with_for_update()
    ).one()
    rows = conn.execute(
        select(audit_log).where(audit_log.c.seq.is_(None)).order_by(audit_log.c.id).limit(limit)
    ).all()
    seq, prev = head.seq, head.hash
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
        conn.execute(
            update(audit_log).where(audit_log.c.id == row.id).values(seq=seq, prev_hash=prev, hash=digest)
        )
        prev = digest
    if rows:
        conn.execute(update(audit_head).where(audit_head.c.id == 1).values(seq=seq, hash=prev))
    return len(rows)


def seal_all(engine: Engine) -> int:
    """Seal every record that has arrived (tests, ``ambil audit verify``); returns how many."""
    total = 0
    while True:
        with engine.begin() as conn:
            sealed = seal(conn)
        total += sealed
        if sealed == 0:
            return total


def verify(conn: Connection) -> VerifyResult:
    """Walk the whole chain and say whether it is intact, and if not, where it first breaks."""
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
    pending = conn.execute(select(func.count()).where(audit_log.c.seq.is_(None))).scalar()
    return VerifyResult(ok=True, count=count, pending=pending)


def _bad(count: int, seq: int, problem: str) -> VerifyResult:
    log.warning("audit chain broken at seq %d: %s", seq, problem)
    return VerifyResult(ok=False, count=count, first_bad_seq=seq, problem=problem)


def history(conn: Connection, subject: str) -> list[dict]:
    """Every record about ``subject``, oldest first, as plain dicts (``seq`` None until sealed)."""
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
