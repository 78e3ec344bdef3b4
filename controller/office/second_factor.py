"""The PIN of sensitive documents (passport, KTP-el): a second factor typed at the lane.

The office draws a 6-digit PIN when it issues the code of a kind that requires one, keeps only an
HMAC of it (under the same secret key as short codes, outside the database) and hands the PIN to
staff once, to be given to the citizen separately from the QR. A claim of such a pickup without
the PIN is refused with ``code.pin_required`` (nothing changes). A wrong PIN is counted like a
wrong short code (``guessing.py``: per lane, per site) and per pickup: after ``pin_limit`` wrong
PINs the pickup answers ``code.pin_locked`` until staff reissue its code.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.engine import Connection

from controller.kernel.codes import PIN_DIGITS, short_code_hmac
from controller.kernel.errors import CodeError
from controller.office import audit, guessing
from controller.office.db.tables import document_kinds
from controller.office.guessing import GuessLimits


@dataclass(frozen=True)
class PinPolicy:
    key: bytes
    limits: GuessLimits = field(default_factory=GuessLimits)


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
    pickup_id: int,
    subject: str,
    claim_id: str,
    now: float,
) -> CodeError | None:
    """None when ``pin`` matches ``stored``; otherwise the refusal (a wrong PIN is counted).

    A right PIN resets nothing: only the release of the claim it opens does (``guessing``)."""
    if pin is None:
        return CodeError("this document needs its PIN", key="code.pin_required")
    limits = policy.limits
    gate, refused = guessing.admit(conn, lane_id=lane_id, now=now, limits=limits, pickup_id=pickup_id)
    if refused is not None:
        return refused
    if hmac.compare_digest(stored, pin_hmac(policy.key, pin)):
        return None
    error = guessing.record_miss(
        conn,
        gate,
        kind="pin",
        now=now,
        limits=limits,
        subject=subject,
        claim_id=claim_id,
        pickup_id=pickup_id,
    )
    if error.key == "code.pin_locked" and guessing.pin_misses(conn, pickup_id) == limits.pin_limit:
        audit.append(
            conn,
            at=now,
            actor=f"lane:{lane_id}",
            action="pickup.pin_locked",
            subject=subject,
            detail={"pickup_id": pickup_id, "wrong_pins": limits.pin_limit},
        )
    return error
