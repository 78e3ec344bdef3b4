"""The PIN of sensitive documents (passport, KTP-el): a second factor typed at the lane.

The office draws a 6-digit PIN when it issues the code of a kind that requires one, keeps only an
HMAC of it (under the same secret key as short codes, outside the database) and hands the PIN to
staff once, to be given to the citizen separately from the QR. A claim of such a pickup without
the PIN is refused with ``code.pin_required`` (nothing changes); a wrong PIN counts toward the
lane's lockout, like wrong short codes.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from controller.errors import CodeError
from controller.office import audit
from controller.office.codes import short_code_hmac
from controller.office.db import insert_ignore
from controller.office.tables import document_kinds, short_code_attempts

PIN_DIGITS = 6


@dataclass(frozen=True)
class PinPolicy:
    key: bytes
    lockout_after: int = 5
    lockout_seconds: float = 300.0


def new_pin() -> str:
    return f"{secrets.randbelow(10**PIN_DIGITS):0{PIN_DIGITS}d}"


def pin_hmac(key: bytes, pin: str) -> str:
    return short_code_hmac(key, "pin:" + pin)


def kind_requires_pin(conn: Connection, kind_id: int | None) -> bool:
    if kind_id is None:
        return False
    row = conn.execute(select(document_kinds.c.second_factor).where(document_kinds.c.id == kind_id)).first()
    return bool(row and row.second_factor)


def check_pin(
    conn: Connection,
    *,
    stored: str,
    pin: str | None,
    policy: PinPolicy,
    lane_id: str,
    subject: str,
    now: float,
) -> CodeError | None:
    """None when ``pin`` matches ``stored``; otherwise the refusal (and a counted failure)."""
    if pin is None:
        return CodeError("this document needs its PIN", key="code.pin_required")
    insert_ignore(conn, short_code_attempts, {"lane_id": lane_id, "failures": 0, "updated_at": now})
    attempts = conn.execute(
        select(short_code_attempts).where(short_code_attempts.c.lane_id == lane_id).with_for_update()
    ).one()
    if attempts.locked_until is not None and attempts.locked_until > now:
        return CodeError(f"locked until {attempts.locked_until:.0f}", key="code.locked_out")
    if hmac.compare_digest(stored, pin_hmac(policy.key, pin)):
        conn.execute(
            update(short_code_attempts)
            .where(short_code_attempts.c.lane_id == lane_id)
            .values(failures=0, locked_until=None, updated_at=now)
        )
        return None
    failures = attempts.failures + 1
    locked = failures >= policy.lockout_after
    conn.execute(
        update(short_code_attempts)
        .where(short_code_attempts.c.lane_id == lane_id)
        .values(
            failures=0 if locked else failures,
            locked_until=now + policy.lockout_seconds if locked else None,
            updated_at=now,
        )
    )
    audit.append(
        conn,
        at=now,
        actor=f"lane:{lane_id}",
        action="pin.refused",
        subject=subject,
        detail={"failures": failures, "locked": locked},
    )
    return CodeError("wrong PIN", key="code.locked_out" if locked else "code.pin_wrong")
