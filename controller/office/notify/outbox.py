"""The outbox: the ``notifications`` table, one row per message until it is delivered.

A row is ``pending`` with what to send (``payload`` in clear when it holds no code, ``sealed``
when it does: ``sealing.py``), its ``attempts``, ``next_attempt_at`` and ``last_error``; then
``sent`` (``delivered_at``) or ``failed``, and its payload is deleted either way.

Claiming due rows is one transaction (a SELECT, then a conditional UPDATE) that leases up to
``CLAIM_BATCH`` of them to one worker (``locked_by``, ``locked_until``), each only while nobody
holds a live lease (re-checked on the row as the UPDATE writes it), committed before anything is
sent: of two workers racing for a row on SQLite or PostgreSQL exactly one wins it, so a row is
sent by one worker at a time. A worker that dies while sending leaves its leases to run out; the
rows are then tried again (at least once, never by two workers at once). A worker sends a leased
row only within the first half of its lease (``worker.py``), so the lease outlasts every send it
starts. Rows sent are marked in one statement (``mark_sent_many``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select, update
from sqlalchemy.engine import Engine

from controller.office.db import reading
from controller.office.db.tables import notifications

LEASE_SECONDS = 300.0  # longer than any channel's timeout (15 s) times its connection attempts
CLAIM_BATCH = 20  # due rows leased per statement


@dataclass(frozen=True)
class Due:
    """A row leased to this worker: what to send and how often it was tried."""

    id: int
    document_id: int | None
    purpose: str
    channel: str
    attempts: int
    payload: str | None
    sealed: str | None


def enqueue(engine: Engine, *, doc_id, purpose, channel, target, now, payload=None, sealed=None) -> int:
    """A pending row due now; returns its id."""
    with engine.begin() as conn:
        return conn.execute(
            notifications.insert()
            .values(
                document_id=doc_id,
                purpose=purpose,
                channel=channel,
                target=target[:500],
                status="pending",
                attempts=0,
                payload=payload,
                sealed=sealed,
                next_attempt_at=now,
                created_at=now,
                updated_at=now,
            )
            .returning(notifications.c.id)
        ).scalar_one()


def record_failed(engine: Engine, *, doc_id, purpose, channel, target, error, now) -> int:
    """A row that failed before it could be queued (no address for the channel)."""
    with engine.begin() as conn:
        return conn.execute(
            notifications.insert()
            .values(
                document_id=doc_id,
                purpose=purpose,
                channel=channel,
                target=target[:500],
                status="failed",
                attempts=0,
                last_error=error,
                created_at=now,
                updated_at=now,
            )
            .returning(notifications.c.id)
        ).scalar_one()


def _free(now: float):
    return or_(notifications.c.locked_until.is_(None), notifications.c.locked_until < now)


def claim_due(engine: Engine, owner: str, now: float, limit: int = CLAIM_BATCH) -> list[Due]:
    """Lease up to ``limit`` of the oldest due rows to ``owner``, in one transaction; oldest first,
    empty when nothing is due (or others won them all)."""
    due = (
        select(notifications.c.id)
        .where(notifications.c.status == "pending", notifications.c.next_attempt_at <= now, _free(now))
        .order_by(notifications.c.next_attempt_at, notifications.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)  # PostgreSQL: rows another worker is leasing are skipped
    )
    with engine.begin() as conn:
        # two statements, one transaction: a LIMIT inside the UPDATE's IN (...) is not kept to on
        # PostgreSQL (the subquery may run again as the UPDATE goes)
        ids = list(conn.execute(due).scalars())
        if not ids:
            return []
        won = conn.execute(
            update(notifications)
            # the lease's conditions again on the row itself: what decides a race
            .where(notifications.c.id.in_(ids), notifications.c.status == "pending", _free(now))
            .values(locked_by=owner, locked_until=now + LEASE_SECONDS)
            .returning(*DUE_COLUMNS)
        ).all()
    return sorted((Due(*row) for row in won), key=lambda d: d.id)


DUE_COLUMNS = (
    notifications.c.id,
    notifications.c.document_id,
    notifications.c.purpose,
    notifications.c.channel,
    notifications.c.attempts,
    notifications.c.payload,
    notifications.c.sealed,
)


def release(engine: Engine, row_ids: list[int], owner: str) -> None:
    """Give back leased rows not tried (due again at once, for any worker)."""
    if row_ids:
        with engine.begin() as conn:
            conn.execute(
                update(notifications)
                .where(notifications.c.id.in_(row_ids), notifications.c.locked_by == owner)
                .values(locked_by=None, locked_until=None)
            )


def mark_sent_many(engine: Engine, row_ids: list[int], owner: str, now: float) -> int:
    """Delivered, each on its attempt after the one it was leased with: the payloads go. Returns
    how many were still leased to ``owner`` (and so marked)."""
    if not row_ids:
        return 0
    with engine.begin() as conn:
        done = conn.execute(
            update(notifications)
            .where(notifications.c.id.in_(row_ids), notifications.c.locked_by == owner)
            .values(
                locked_by=None,
                locked_until=None,
                updated_at=now,
                status="sent",
                attempts=notifications.c.attempts + 1,
                last_error=None,
                delivered_at=now,
                payload=None,
                sealed=None,
                next_attempt_at=None,
            )
            .returning(notifications.c.id)
        ).all()
    return len(done)


def _settle(engine: Engine, row_id: int, owner: str, now: float, **values) -> bool:
    with engine.begin() as conn:
        done = conn.execute(
            update(notifications)
            .where(notifications.c.id == row_id, notifications.c.locked_by == owner)
            .values(locked_by=None, locked_until=None, updated_at=now, **values)
            .returning(notifications.c.id)
        ).first()
    return done is not None


def mark_retry(engine: Engine, row_id: int, owner: str, attempts: int, error: str, at: float, now: float):
    """Failed this time; due again at ``at``."""
    return _settle(engine, row_id, owner, now, attempts=attempts, last_error=error[:500], next_attempt_at=at)


def mark_failed(engine: Engine, row_id: int, owner: str, attempts: int, error: str, now: float) -> bool:
    """Finally failed (staff see ``last_error``): the payload goes."""
    return _settle(
        engine,
        row_id,
        owner,
        now,
        status="failed",
        attempts=attempts,
        last_error=error[:500],
        payload=None,
        sealed=None,
        next_attempt_at=None,
    )


def pending_count(engine: Engine) -> int:
    with reading(engine) as conn:
        return conn.execute(
            select(func.count()).select_from(notifications).where(notifications.c.status == "pending")
        ).scalar_one()


def next_due(engine: Engine) -> float | None:
    """When the earliest pending row is due (None: nothing pending)."""
    with reading(engine) as conn:
        return conn.execute(
            select(func.min(notifications.c.next_attempt_at)).where(notifications.c.status == "pending")
        ).scalar()


HISTORY_COLUMNS = [
    c for c in notifications.c if c.name not in ("payload", "sealed", "locked_by", "locked_until")
]


def history(engine: Engine, doc_id: int) -> list[dict]:
    """Every row of a document, oldest first: target masked, never a payload."""
    with reading(engine) as conn:
        found = conn.execute(
            select(*HISTORY_COLUMNS).where(notifications.c.document_id == doc_id).order_by(notifications.c.id)
        )
        return [dict(row._mapping) for row in found]
