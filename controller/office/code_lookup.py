"""What a pickup code the citizen holds stands for now: the citizen page and the staff slip.

The office keeps only the code's hash, so both look the pickup up by hash. The short code is
derived from the code again (never stored), and only while the pickup is live.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.engine import Connection

from controller.kernel.codes import code_hash, derive_short_code, parse_code
from controller.kernel.errors import AuthError, CodeError, DocumentError
from controller.office.db.tables import documents, lanes, locker_banks, pickups

log = logging.getLogger(__name__)

# a citizen can still collect with a code in these pickup states
COLLECTABLE = ("ready", "claimed")


@dataclass(frozen=True)
class CodeStatus:
    """A code's standing for its holder.

    ``status`` is one of: ready, in_progress (a lane is releasing it), checking (uncertain,
    staff are checking), released, cancelled, replaced, expired. The document's title, the
    short code and the expiry are filled only while the code is collectable (ready/in_progress).
    """

    status: str
    document_id: int = 0
    title: str | None = None
    reference: str | None = None
    kind: str | None = None
    expires_at: float | None = None
    short_code: str | None = field(default=None, repr=False)  # a secret too: keep out of logs
    lane_hint: str | None = None

    @property
    def live(self) -> bool:
        return self.status in ("ready", "in_progress")


def _status(pickup_state: str, outcome: str | None, expires_at: float, now: float) -> str:
    if pickup_state == "ready":
        return "expired" if expires_at <= now else "ready"
    if pickup_state == "claimed":
        return "in_progress"
    if pickup_state == "uncertain":
        return "checking"
    if pickup_state == "revoked":
        return "replaced" if outcome == "reissued" else "cancelled"
    return pickup_state  # released | expired


def lane_hint(conn: Connection, doc) -> str | None:
    """The lane where a locker document waits (its bank's lane name); None for prints."""
    if doc.kind != "locker" or doc.locker_bank is None:
        return None
    row = conn.execute(
        select(lanes.c.name)
        .select_from(locker_banks.join(lanes, locker_banks.c.lane_id == lanes.c.id))
        .where(locker_banks.c.id == doc.locker_bank)
    ).first()
    return row.name if row else None


def code_status(conn: Connection, code: str, *, short_code_key: bytes, now: float) -> CodeStatus:
    """The standing of ``code``; raises ``code.malformed`` or ``code.unknown``."""
    code = parse_code(code)
    pickup = conn.execute(select(pickups).where(pickups.c.code_hash == code_hash(code))).first()
    if pickup is None:
        raise CodeError("no pickup has this code", key="code.unknown")
    status = _status(pickup.state, pickup.outcome, pickup.expires_at, now)
    if status not in ("ready", "in_progress"):
        return CodeStatus(status=status, document_id=pickup.document_id)
    doc = conn.execute(select(documents).where(documents.c.id == pickup.document_id)).one()
    return CodeStatus(
        status=status,
        document_id=doc.id,
        title=doc.title,
        reference=doc.reference,
        kind=doc.kind,
        expires_at=pickup.expires_at,
        short_code=derive_short_code(short_code_key, code),
        lane_hint=lane_hint(conn, doc),
    )


def slip_status(conn: Connection, doc_id: int, code: str, *, short_code_key: bytes, now: float) -> CodeStatus:
    """The live standing of ``code`` as the code of document ``doc_id``, for printing its slip.

    Raises ``code.malformed``; ``auth.forbidden`` (403) when the code is not this document's;
    ``document.bad_state`` (409) when it is, but can no longer be collected.
    """
    try:
        status = code_status(conn, code, short_code_key=short_code_key, now=now)
    except CodeError as exc:
        if exc.key == "code.unknown":
            raise AuthError("this code does not belong to this document", key="auth.forbidden") from None
        raise
    if status.document_id != doc_id:
        raise AuthError("this code does not belong to this document", key="auth.forbidden")
    if not status.live:
        raise DocumentError(f"this code is {status.status}", key="document.bad_state")
    return status
