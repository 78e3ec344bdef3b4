"""Claims and their reports: the office half of the at-most-once release protocol (DESIGN section 5).

Functions here run inside the caller's transaction. Refusals are *returned* (not raised) so that the
caller can commit the refusal's audit record and the short-code failure count before raising.
Locks are always taken in the order attempts row -> pickup row -> claims row -> audit head.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass

from sqlalchemy import case, select, update
from sqlalchemy.engine import Connection

from controller.errors import AmbilError, AuthError, CodeError, DocumentError
from controller.office import audit
from controller.office.codes import hash_prefix
from controller.office.db import insert_ignore
from controller.office.tables import (
    CLAIM_OUTCOMES,
    claims,
    documents,
    locker_banks,
    pickups,
    short_code_attempts,
)

log = logging.getLogger(__name__)

LIVE_PICKUP_STATES = ("ready", "claimed", "uncertain")
_REFUSAL_BY_STATE = {
    "claimed": "code.in_progress",
    "released": "code.already_released",
    # the release may have happened: the driver is told to see the staff if nothing came out
    "uncertain": "code.already_released",
    "revoked": "code.revoked",
    "expired": "code.expired",
}


@dataclass(frozen=True)
class Grant:
    """What a lane may release under one claim."""

    claim_id: str
    pickup_id: int
    document_id: int
    kind: str
    title: str
    pages: int
    pdf_sha256: str | None
    locker_bank: str | None
    door: int | None
    expires_at: float

    def to_dict(self) -> dict:
        return asdict(self)


def _pickup_view():
    return select(
        pickups.c.id,
        pickups.c.document_id,
        pickups.c.code_hash,
        pickups.c.state,
        pickups.c.expires_at,
        pickups.c.claim_id,
        pickups.c.pin_hmac,
        documents.c.kind,
        documents.c.title,
        documents.c.pages,
        documents.c.pdf_sha256,
        documents.c.locker_bank,
        documents.c.door,
        locker_banks.c.lane_id.label("bank_lane"),
    ).select_from(
        pickups.join(documents, pickups.c.document_id == documents.c.id).outerjoin(
            locker_banks, documents.c.locker_bank == locker_banks.c.id
        )
    )


def _grant(row, claim_id: str) -> Grant:
    return Grant(
        claim_id=claim_id,
        pickup_id=row.id,
        document_id=row.document_id,
        kind=row.kind,
        title=row.title,
        pages=row.pages,
        pdf_sha256=row.pdf_sha256,
        locker_bank=row.locker_bank,
        door=row.door,
        expires_at=row.expires_at,
    )


def _refusal_key(row, now: float) -> str:
    if row.state == "ready":
        return "code.expired" if row.expires_at <= now else "code.in_progress"
    return _REFUSAL_BY_STATE.get(row.state, "code.unknown")


def _refuse(conn, *, now, lane_id, subject, code_hash, claim_id, key, detail="") -> CodeError:
    audit.append(
        conn,
        at=now,
        actor=f"lane:{lane_id}",
        action="pickup.claim_refused",
        subject=subject,
        detail={"reason": key, "code": hash_prefix(code_hash), "claim_id": claim_id},
    )
    log.info("claim %s on lane %s refused: %s", claim_id, lane_id, key)
    return CodeError(detail, key=key)


def claim_pickup(
    conn: Connection,
    *,
    code_hash: str,
    claim_id: str,
    lane_id: str,
    now: float,
    pin: str | None = None,
    pin_policy=None,
):
    """Claim the pickup with ``code_hash`` for ``claim_id``: return a Grant or a CodeError to raise.

    A pickup with a PIN (second factor) needs ``pin``, checked under ``pin_policy``."""
    refuse = {"now": now, "lane_id": lane_id, "code_hash": code_hash, "claim_id": claim_id}
    row = conn.execute(_pickup_view().where(pickups.c.code_hash == code_hash)).first()
    if row is None:
        return _refuse(conn, subject="pickup:unknown", key="code.unknown", **refuse)
    subject = f"document:{row.document_id}"
    if row.state == "claimed" and row.claim_id == claim_id:
        log.info("claim %s retried: same grant", claim_id)
        return _grant(row, claim_id)
    if row.kind == "locker" and row.bank_lane != lane_id:
        return _refuse(conn, subject=subject, key="code.wrong_lane", detail=f"lane {row.bank_lane}", **refuse)
    if row.pin_hmac and row.state == "ready" and pin_policy is not None:
        from controller.office.second_factor import check_pin

        wrong = check_pin(
            conn, stored=row.pin_hmac, pin=pin, policy=pin_policy, lane_id=lane_id, subject=subject, now=now
        )
        if wrong is not None:
            return _refuse(conn, subject=subject, key=wrong.key, detail=wrong.detail, **refuse)
    if conn.execute(select(claims.c.claim_id).where(claims.c.claim_id == claim_id)).first() is not None:
        # Known claim id. Read the pickup again: a concurrent retry of this very claim may have won
        # since our first read (PostgreSQL, read committed), and that is still the same grant.
        row = conn.execute(_pickup_view().where(pickups.c.code_hash == code_hash)).one()
        if row.state == "claimed" and row.claim_id == claim_id:
            return _grant(row, claim_id)
        # A finished claim id is never reused: a reprint after a failure takes a new claim id.
        key = "claim.conflict" if row.state == "ready" else _refusal_key(row, now)
        return _refuse(conn, subject=subject, key=key, detail="claim id already used", **refuse)

    won = conn.execute(
        update(pickups)
        .where(pickups.c.code_hash == code_hash, pickups.c.state == "ready", pickups.c.expires_at > now)
        .values(state="claimed", claim_id=claim_id, lane_id=lane_id, claimed_at=now)
        .returning(pickups.c.id)
    ).first()
    if won is None:
        # Read again: on PostgreSQL the UPDATE may have waited for a winner that has now committed.
        row = conn.execute(_pickup_view().where(pickups.c.code_hash == code_hash)).one()
        if row.state == "claimed" and row.claim_id == claim_id:
            return _grant(row, claim_id)
        return _refuse(conn, subject=subject, key=_refusal_key(row, now), **refuse)

    conn.execute(claims.insert().values(claim_id=claim_id, pickup_id=row.id, lane_id=lane_id, claimed_at=now))
    audit.append(
        conn,
        at=now,
        actor=f"lane:{lane_id}",
        action="pickup.claimed",
        subject=subject,
        detail={"pickup_id": row.id, "code": hash_prefix(code_hash), "claim_id": claim_id},
    )
    log.info("pickup %d claimed by %s on lane %s", row.id, claim_id, lane_id)
    return _grant(row, claim_id)


def claim_by_short_code(
    conn: Connection,
    *,
    short_hmac: str,
    claim_id: str,
    lane_id: str,
    now: float,
    lockout_after: int,
    lockout_seconds: float,
    pin: str | None = None,
    pin_policy=None,
):
    """Claim by the HMAC of a typed short code, with a per-lane lockout after repeated misses."""
    insert_ignore(conn, short_code_attempts, {"lane_id": lane_id, "failures": 0, "updated_at": now})
    attempts = conn.execute(
        select(short_code_attempts).where(short_code_attempts.c.lane_id == lane_id).with_for_update()
    ).one()
    subject = f"lane:{lane_id}"
    if attempts.locked_until is not None and attempts.locked_until > now:
        audit.append(conn, at=now, actor=subject, action="short_code.locked_out", subject=subject, detail={})
        return CodeError(f"locked until {attempts.locked_until:.0f}", key="code.locked_out")

    live_first = case((pickups.c.state.in_(LIVE_PICKUP_STATES), 0), else_=1)
    match = conn.execute(
        select(pickups.c.code_hash)
        .where(pickups.c.short_hmac == short_hmac)
        .order_by(live_first, pickups.c.id.desc())
        .limit(1)
    ).first()
    if match is None:
        failures = attempts.failures + 1
        locked = failures >= lockout_after
        conn.execute(
            update(short_code_attempts)
            .where(short_code_attempts.c.lane_id == lane_id)
            .values(
                failures=0 if locked else failures,
                locked_until=now + lockout_seconds if locked else None,
                updated_at=now,
            )
        )
        audit.append(
            conn,
            at=now,
            actor=subject,
            action="short_code.refused",
            subject=subject,
            detail={"failures": failures, "locked": locked, "claim_id": claim_id},
        )
        log.info("wrong short code on lane %s (%d in a row)", lane_id, failures)
        if locked:
            return CodeError(f"{failures} wrong short codes", key="code.locked_out")
        return CodeError("unknown short code", key="code.unknown")

    conn.execute(
        update(short_code_attempts)
        .where(short_code_attempts.c.lane_id == lane_id)
        .values(failures=0, locked_until=None, updated_at=now)
    )
    return claim_pickup(
        conn,
        code_hash=match.code_hash,
        claim_id=claim_id,
        lane_id=lane_id,
        now=now,
        pin=pin,
        pin_policy=pin_policy,
    )


def report_claim(conn: Connection, *, claim_id: str, lane_id: str, outcome: str, detail: str, now: float):
    """Record how a claim ended; returns None, or an AmbilError for the caller to raise.

    released: pickup and document released. failed/abandoned: the pickup is ready again (claim
    cleared) for a controlled reprint. uncertain: pickup and document wait for staff. Reporting the
    same outcome twice changes nothing.
    """
    if outcome not in CLAIM_OUTCOMES:
        return AmbilError(f"outcome must be one of {', '.join(CLAIM_OUTCOMES)}", key="request.invalid")
    found = conn.execute(select(claims.c.pickup_id).where(claims.c.claim_id == claim_id)).first()
    if found is None:
        if outcome == "abandoned":
            log.info("abandoned report for unknown claim %s ignored", claim_id)
            return None
        return CodeError("unknown claim id", key="code.unknown")
    # Lock the pickup first (the claim path's order), then read the claim under that lock.
    pickup = conn.execute(
        select(pickups.c.id, pickups.c.document_id, pickups.c.state, pickups.c.claim_id)
        .where(pickups.c.id == found.pickup_id)
        .with_for_update()
    ).one()
    claim = conn.execute(select(claims).where(claims.c.claim_id == claim_id)).one()
    if claim.lane_id != lane_id:
        return AuthError(f"claim belongs to lane {claim.lane_id}", key="auth.forbidden")
    if claim.outcome is not None:
        if claim.outcome == outcome:
            return None
        return CodeError(f"claim already reported as {claim.outcome}", key="claim.conflict")

    detail = (detail or "")[:500]
    current = pickup.state == "claimed" and pickup.claim_id == claim_id
    if current:
        values = {"outcome": outcome, "detail": detail, "finished_at": now}
        if outcome == "released":
            values.update(state="released")
        elif outcome == "uncertain":
            values.update(state="uncertain")
        else:
            values.update(state="ready", claim_id=None, finished_at=None)
        conn.execute(update(pickups).where(pickups.c.id == pickup.id).values(**values))
        if outcome in ("released", "uncertain"):
            conn.execute(
                update(documents)
                .where(documents.c.id == pickup.document_id)
                .values(state=outcome, updated_at=now)
            )
    else:
        log.warning("report for claim %s no longer holding pickup %d", claim_id, pickup.id)
    conn.execute(
        update(claims)
        .where(claims.c.claim_id == claim_id)
        .values(outcome=outcome, detail=detail, finished_at=now)
    )
    audit.append(
        conn,
        at=now,
        actor=f"lane:{lane_id}",
        action=f"pickup.{outcome}",
        subject=f"document:{pickup.document_id}",
        detail={"pickup_id": pickup.id, "claim_id": claim_id, "detail": detail, "stale": not current},
    )
    return None


def claim_outcome(conn: Connection, claim_id: str) -> tuple[int, str | None] | None:
    """(document id, outcome so far) of a known claim, or None for an unknown claim id."""
    row = conn.execute(
        select(pickups.c.document_id, claims.c.outcome)
        .select_from(claims.join(pickups, claims.c.pickup_id == pickups.c.id))
        .where(claims.c.claim_id == claim_id)
        .with_for_update(of=pickups)  # the pickup first, as report_claim locks it: no double "first" report
    ).first()
    return None if row is None else (row.document_id, row.outcome)


def claimed_pdf_sha(conn: Connection, claim_id: str) -> str:
    """The PDF blob of the print pickup held by ``claim_id`` now; CodeError if no such live claim."""
    row = conn.execute(
        select(documents.c.kind, documents.c.pdf_sha256)
        .select_from(pickups.join(documents, pickups.c.document_id == documents.c.id))
        .where(pickups.c.claim_id == claim_id, pickups.c.state == "claimed")
    ).first()
    if row is None:
        raise CodeError("no current claim with this id", key="code.unknown")
    if row.kind != "print" or not row.pdf_sha256:
        raise DocumentError("this pickup has no PDF", key="document.invalid")
    return row.pdf_sha256
