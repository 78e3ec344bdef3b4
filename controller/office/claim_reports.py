"""How a claim ends: the lane's report of its outcome (DESIGN section 5, step 5).

Runs inside the caller's transaction; returns None or an AmbilError for the caller to raise.
Locks: the pickup row, then the claims row (the claim path's order); audit appends lock nothing.

An ``abandoned`` report for a claim id the office has not seen is kept as a TOMBSTONE (a claims
row without a pickup): the claim, should it arrive after all, is refused, because the lane that
made it has walked away and will never act on it nor report it. On PostgreSQL a claim still
committing holds that claim id's primary key: the tombstone's insert waits for it and, once it
has committed, the report is applied to it like any other.
"""

from __future__ import annotations

import logging

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from controller.kernel.errors import AmbilError, AuthError, CodeError
from controller.kernel.outcomes import CLAIM_OUTCOMES
from controller.office import audit, guessing
from controller.office.db import insert_ignore
from controller.office.db.tables import claims, documents, pickups

log = logging.getLogger(__name__)

LEASE_EXPIRED = "lease_expired"  # pickups.outcome of a claim the lease sweep made uncertain
TOMBSTONE_DETAIL = "tombstone: reported abandoned before the claim reached the office"


def _tombstone(conn: Connection, *, claim_id: str, lane_id: str, now: float) -> bool:
    """Keep an abandoned report of an unseen claim id; False if a claim got there first."""
    values = {
        "claim_id": claim_id,
        "pickup_id": None,
        "lane_id": lane_id,
        "claimed_at": now,
        "finished_at": now,
        "outcome": "abandoned",
        "detail": TOMBSTONE_DETAIL,
    }
    if not insert_ignore(conn, claims, values):
        return False
    audit.append(
        conn,
        at=now,
        actor=f"lane:{lane_id}",
        action="claim.tombstoned",
        subject=f"lane:{lane_id}",
        detail={"claim_id": claim_id},
    )
    log.info("abandoned report for unseen claim %s kept as a tombstone", claim_id)
    return True


def holds(pickup, claim_id: str) -> bool:
    """Whether ``claim_id`` still decides what happens to ``pickup``: it holds it claimed, or its
    lease ran out and nobody (staff) has settled it since."""
    if pickup.claim_id != claim_id:
        return False
    return pickup.state == "claimed" or (pickup.state == "uncertain" and pickup.outcome == LEASE_EXPIRED)


def report_claim(
    conn: Connection,
    *,
    claim_id: str,
    lane_id: str,
    outcome: str,
    detail: str,
    now: float,
    settled: list[tuple[int, str]] | None = None,
):
    """Record how a claim ended; returns None, or an AmbilError for the caller to raise.

    ``settled``: where this report moved its document into ``released`` or ``uncertain``, the
    (document id, state) is appended to it (the caller's hooks: the citizen's "collected" message),
    decided under the pickup's lock, so two reports of one claim never both append.

    released: pickup and document released. failed/abandoned: the pickup is ready again (claim
    cleared) for a controlled reprint. uncertain: pickup and document wait for staff. Reporting the
    same outcome twice changes nothing. A report that comes after the claim's lease ran out still
    settles it, unless staff did first.
    """
    if outcome not in CLAIM_OUTCOMES:
        return AmbilError(f"outcome must be one of {', '.join(CLAIM_OUTCOMES)}", key="request.invalid")
    known = select(claims.c.pickup_id, claims.c.lane_id).where(claims.c.claim_id == claim_id)
    found = conn.execute(known).first()
    if found is None:
        if outcome != "abandoned":
            return CodeError("unknown claim id", key="code.unknown")
        if _tombstone(conn, claim_id=claim_id, lane_id=lane_id, now=now):
            return None
        found = conn.execute(known).one()  # the claim committed first: report on it
    if found.pickup_id is None:  # a tombstone
        if found.lane_id != lane_id:
            return AuthError(f"claim belongs to lane {found.lane_id}", key="auth.forbidden")
        if outcome == "abandoned":
            return None
        return CodeError("claim was reported abandoned", key="claim.conflict")
    # Lock the pickup first (the claim path's order), then read the claim under that lock.
    pickup = conn.execute(
        select(pickups.c.id, pickups.c.document_id, pickups.c.state, pickups.c.claim_id, pickups.c.outcome)
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
    current = holds(pickup, claim_id)
    if current:
        document_moved = _apply(conn, pickup, outcome=outcome, detail=detail, now=now)
        if document_moved and settled is not None and outcome in ("released", "uncertain"):
            settled.append((pickup.document_id, outcome))
        if outcome == "released" and claim.via:
            guessing.end_streak(conn, lane_id=lane_id)  # the typed code was right and it came out
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


def _apply(conn: Connection, pickup, *, outcome: str, detail: str, now: float) -> bool:
    """Settle the pickup and its document; whether the document's state changed."""
    values = {"outcome": outcome, "detail": detail, "finished_at": now}
    if outcome in ("released", "uncertain"):
        values.update(state=outcome)
        document_state = outcome
    else:  # failed | abandoned: nothing came out, the code works again
        values.update(state="ready", claim_id=None, finished_at=None)
        document_state = "ready"
    conn.execute(update(pickups).where(pickups.c.id == pickup.id).values(**values))
    if pickup.state != "claimed" or document_state != "ready":
        # while claimed the document stays ready; after a lease it is uncertain and must follow
        moved = conn.execute(
            update(documents)
            .where(documents.c.id == pickup.document_id, documents.c.state != document_state)
            .values(state=document_state, updated_at=now)
        )
        return moved.rowcount > 0
    return False
