"""The append-only, hash-chained audit log: who did what, when, to which subject.

Each record's hash is ``sha256(prev_hash + canonical JSON of [seq, at, actor, action, subject,
detail])``, so changing, deleting, inserting or reordering a record breaks the chain at that point.
Appends run inside the caller's transaction and lock the single ``audit_head`` row (``FOR UPDATE`` on
PostgreSQL; on SQLite ``BEGIN IMMEDIATE`` already serialises writers). Never put a pickup code or a
short code into ``detail``: a code-hash prefix is enough to correlate.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from controller.office.db.tables import AUDIT_GENESIS_HASH, audit_head, audit_log

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of a chain check; ``first_bad_seq`` is where the chain first breaks."""

    ok: bool
    count: int
    first_bad_seq: int | None = None
    problem: str = ""


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
) -> int:
    """Append one record in the caller's transaction and return its seq."""
    detail = dict(detail or {})
    at = float(time.time() if at is None else at)
    head = conn.execute(
        select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1).with_for_update()
    ).one()
    seq = head.seq + 1
    digest = record_hash(
        head.hash, seq=seq, at=at, actor=actor, action=action, subject=subject, detail=detail
    )
    conn.execute(
        audit_log.insert().values(
            seq=seq,
            at=at,
            actor=actor,
            action=action,
            subject=subject,
            detail=canonical_json(detail),
            prev_hash=head.hash,
            hash=digest,
        )
    )
    conn.execute(update(audit_head).where(audit_head.c.id == 1).values(seq=seq, hash=digest))
    return seq


def verify(conn: Connection) -> VerifyResult:
    """Walk the whole chain and say whether it is intact, and if not, where it first breaks."""
    expected_seq = 1
    prev = AUDIT_GENESIS_HASH
    count = 0
    rows = conn.execute(select(audit_log).order_by(audit_log.c.seq))
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
    return VerifyResult(ok=True, count=count)


def _bad(count: int, seq: int, problem: str) -> VerifyResult:
    log.warning("audit chain broken at seq %d: %s", seq, problem)
    return VerifyResult(ok=False, count=count, first_bad_seq=seq, problem=problem)


def history(conn: Connection, subject: str) -> list[dict]:
    """Every record about ``subject``, oldest first, as plain dicts."""
    rows = conn.execute(select(audit_log).where(audit_log.c.subject == subject).order_by(audit_log.c.seq))
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
