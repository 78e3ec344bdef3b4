"""The ``notifications`` table: one row per message, with its status, attempts and last error.

Rows never hold a message text or a code: only the masked target, purpose and delivery state.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from controller.office.tables import notifications


def record(engine: Engine, doc_id, purpose, target, channel, status, error, now: float) -> int:
    """Insert a notification row and return its id."""
    with engine.begin() as conn:
        return conn.execute(
            notifications.insert()
            .values(
                document_id=doc_id,
                purpose=purpose,
                channel=channel,
                target=target[:500],
                status=status,
                attempts=0,
                last_error=error,
                created_at=now,
                updated_at=now,
            )
            .returning(notifications.c.id)
        ).scalar_one()


def set_status(
    engine: Engine, row_id: int, status: str, attempts: int, error: str | None, now: float
) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(notifications)
            .where(notifications.c.id == row_id)
            .values(status=status, attempts=attempts, last_error=error, updated_at=now)
        )


def fail_pending(
    engine: Engine, exclude: set[int], now: float, citizen_error: str, webhook_error: str
) -> int:
    """Mark every pending row not in ``exclude`` failed (its payload is gone); returns how many."""
    with engine.begin() as conn:
        pending = conn.execute(
            select(notifications.c.id, notifications.c.purpose).where(notifications.c.status == "pending")
        ).all()
        lost = [row for row in pending if row.id not in exclude]
        for row in lost:
            conn.execute(
                update(notifications)
                .where(notifications.c.id == row.id, notifications.c.status == "pending")
                .values(
                    status="failed",
                    last_error=citizen_error if row.purpose == "code_issued" else webhook_error,
                    updated_at=now,
                )
            )
    return len(lost)
