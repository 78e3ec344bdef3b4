"""Claims: the office half of the at-most-once release protocol (DESIGN section 5).

Functions here run inside the caller's transaction. Refusals are *returned* (not raised) so that the
caller can commit the refusal's audit record and the count of a wrong short code or PIN before
raising. Locks are always taken in the order site row -> lane row (``guessing``) -> pickup row ->
claims row; audit appends lock nothing. How claims end (reports, tombstones) is
``claim_reports.py``; claims that never end, ``leases.py``.
"""

from __future__ import annotations

import logging

from sqlalchemy import case, select, update
from sqlalchemy.engine import Connection

from controller.kernel.codes import hash_prefix
from controller.kernel.errors import AuthError, CodeError, DocumentError
from controller.kernel.grants import Grant
from controller.office import audit, guessing
from controller.office.db.tables import claims, documents, lanes, locker_banks, pickups
from controller.office.guessing import GuessLimits

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


def _pickup_view():
    return select(
        pickups.c.id,
        pickups.c.document_id,
        pickups.c.code_hash,
        pickups.c.state,
        pickups.c.expires_at,
        pickups.c.claim_id,
        pickups.c.lane_id,
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
        code_hash=row.code_hash,
    )


def _refusal_key(row, now: float) -> str:
    if row.state == "ready":
        return "code.expired" if row.expires_at <= now else "code.in_progress"
    return _REFUSAL_BY_STATE.get(row.state, "code.unknown")


def _refuse(conn, *, now, lane_id, subject, code_hash, claim_id, key, detail="", **params) -> CodeError:
    audit.append(
        conn,
        at=now,
        actor=f"lane:{lane_id}",
        action="pickup.claim_refused",
        subject=subject,
        detail={"reason": key, "code": hash_prefix(code_hash), "claim_id": claim_id},
    )
    log.info("claim %s on lane %s refused: %s", claim_id, lane_id, key)
    return CodeError(detail, key=key, **params)


def _lane_name(conn, lane_id: str | None) -> str:
    """The name drivers read for a lane (its id when it has none)."""
    row = conn.execute(select(lanes.c.name).where(lanes.c.id == lane_id)).first()
    return row.name if row is not None and row.name else str(lane_id)


def _retry(conn, row, claim_id: str, lane_id: str, refuse: dict, subject: str):
    """The same grant again for a retry of the live claim ``claim_id``, from the lane that made it
    only (a lane that learnt another's claim id gets nothing); None if ``row`` is not that claim."""
    if row.state != "claimed" or row.claim_id != claim_id:
        return None
    if row.lane_id != lane_id:
        detail = f"claim {claim_id} belongs to another lane"
        return _refuse(conn, subject=subject, key="claim.conflict", detail=detail, **refuse)
    log.info("claim %s retried: same grant", claim_id)
    return _grant(row, claim_id)


def claim_pickup(
    conn: Connection,
    *,
    code_hash: str,
    claim_id: str,
    lane_id: str,
    now: float,
    pin: str | None = None,
    pin_policy=None,
    via: str | None = None,
    kinds: tuple[str, ...] | None = None,
):
    """Claim the pickup with ``code_hash`` for ``claim_id``: return a Grant or a CodeError to raise.

    A pickup with a PIN (second factor) needs ``pin``, checked under ``pin_policy``. ``via`` says
    the code was typed (``short``); the claim remembers it so that its release ends the lane's
    run of wrong entries. ``kinds``: the kinds the lane can release now (a lane whose printer is
    out of paper sends ``("locker",)``); another kind is refused before anything is claimed."""
    refuse = {"now": now, "lane_id": lane_id, "code_hash": code_hash, "claim_id": claim_id}
    row = conn.execute(_pickup_view().where(pickups.c.code_hash == code_hash)).first()
    if row is None:
        return _refuse(conn, subject="pickup:unknown", key="code.unknown", **refuse)
    subject = f"document:{row.document_id}"
    retried = _retry(conn, row, claim_id, lane_id, refuse, subject)
    if retried is not None:
        return retried
    if row.kind == "locker" and row.bank_lane != lane_id:
        lane = _lane_name(conn, row.bank_lane)
        return _refuse(
            conn, subject=subject, key="code.wrong_lane", detail=f"lane {row.bank_lane}", lane=lane, **refuse
        )
    if kinds is not None and row.kind not in kinds and row.state == "ready":
        # the lane cannot release this kind now (its printer is out of paper): nothing is claimed
        return _refuse(conn, subject=subject, key="print.unavailable", detail=f"lane takes {kinds}", **refuse)
    known = conn.execute(select(claims.c.pickup_id).where(claims.c.claim_id == claim_id)).first()
    if known is not None:
        # Known claim id. Read the pickup again: a concurrent retry of this very claim may have won
        # since our first read (PostgreSQL, read committed), and that is still the same grant.
        row = conn.execute(_pickup_view().where(pickups.c.code_hash == code_hash)).one()
        retried = _retry(conn, row, claim_id, lane_id, refuse, subject)
        if retried is not None:
            return retried
        # A finished claim id is never reused (a reprint after a failure takes a new claim id), and
        # a tombstone (reported abandoned before it arrived) is never granted: that lane walked away.
        detail = "claim id abandoned by its lane" if known.pickup_id is None else "claim id already used"
        key = "claim.conflict" if row.state == "ready" else _refusal_key(row, now)
        return _refuse(conn, subject=subject, key=key, detail=detail, **refuse)
    if row.pin_hmac and row.state == "ready" and pin_policy is not None:
        from controller.office.second_factor import check_pin

        wrong = check_pin(
            conn,
            stored=row.pin_hmac,
            pin=pin,
            policy=pin_policy,
            lane_id=lane_id,
            pickup_id=row.id,
            subject=subject,
            claim_id=claim_id,
            now=now,
        )
        if wrong is not None:
            return _refuse(conn, subject=subject, key=wrong.key, detail=wrong.detail, **refuse)
        via = f"{via}+pin" if via else "pin"

    won = conn.execute(
        update(pickups)
        .where(pickups.c.code_hash == code_hash, pickups.c.state == "ready", pickups.c.expires_at > now)
        .values(state="claimed", claim_id=claim_id, lane_id=lane_id, claimed_at=now)
        .returning(pickups.c.id)
    ).first()
    if won is None:
        # Read again: on PostgreSQL the UPDATE may have waited for a winner that has now committed.
        row = conn.execute(_pickup_view().where(pickups.c.code_hash == code_hash)).one()
        retried = _retry(conn, row, claim_id, lane_id, refuse, subject)
        if retried is not None:
            return retried
        return _refuse(conn, subject=subject, key=_refusal_key(row, now), **refuse)

    # A tombstone for this claim id committed meanwhile makes this insert fail (primary key): the
    # whole claim is rolled back, so a lane that walked away never holds a pickup.
    conn.execute(
        claims.insert().values(claim_id=claim_id, pickup_id=row.id, lane_id=lane_id, claimed_at=now, via=via)
    )
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
    limits: GuessLimits,
    pin: str | None = None,
    pin_policy=None,
    kinds: tuple[str, ...] | None = None,
):
    """Claim by the HMAC of a typed short code; wrong ones are counted (``guessing``)."""
    subject = f"lane:{lane_id}"
    gate, refused = guessing.admit(conn, lane_id=lane_id, now=now, limits=limits)
    if refused is not None:
        audit.append(
            conn,
            at=now,
            actor=subject,
            action="short_code.locked_out",
            subject=subject,
            detail={"claim_id": claim_id, "why": refused.detail},
        )
        return refused

    live_first = case((pickups.c.state.in_(LIVE_PICKUP_STATES), 0), else_=1)
    match = conn.execute(
        select(pickups.c.code_hash)
        .where(pickups.c.short_hmac == short_hmac)
        .order_by(live_first, pickups.c.id.desc())
        .limit(1)
    ).first()
    if match is None:
        return guessing.record_miss(
            conn, gate, kind="short", now=now, limits=limits, subject=subject, claim_id=claim_id
        )
    # a code that exists resets nothing, even if claimed: only its release does (report_claim)
    return claim_pickup(
        conn,
        code_hash=match.code_hash,
        claim_id=claim_id,
        lane_id=lane_id,
        now=now,
        pin=pin,
        pin_policy=pin_policy,
        via="short",
        kinds=kinds,
    )


def claimed_pdf_sha(conn: Connection, claim_id: str, lane_id: str) -> str:
    """The PDF blob of the print pickup held by ``claim_id`` now, for the lane that holds it only;
    CodeError if no such live claim, AuthError if another lane asks."""
    row = conn.execute(
        select(documents.c.kind, documents.c.pdf_sha256, pickups.c.lane_id)
        .select_from(pickups.join(documents, pickups.c.document_id == documents.c.id))
        .where(pickups.c.claim_id == claim_id, pickups.c.state == "claimed")
    ).first()
    if row is None:
        raise CodeError("no current claim with this id", key="code.unknown")
    if row.lane_id != lane_id:
        log.warning("lane %s asked for the PDF of claim %s held by another lane", lane_id, claim_id)
        raise AuthError("this claim belongs to another lane", key="auth.forbidden")
    if row.kind != "print" or not row.pdf_sha256:
        raise DocumentError("this pickup has no PDF", key="document.invalid")
    return row.pdf_sha256
