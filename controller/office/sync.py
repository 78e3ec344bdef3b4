"""What the office gives a lane for offline releases, and how it takes those releases back.

``snapshot``: the ready, unexpired locker pickups whose bank belongs to the lane, as code hashes
(never codes), plus the office's time (the lane's clock floor, ``controller/kernel/clock.py``); the
office records that it served it, and ``acknowledge`` that the lane stored it (which frees doors
staff confirmed empty: ``door_release.py``).

``reconcile``: each offline release a lane reports is applied with the same conditional update
as an online claim (``ready -> released``). If the pickup was meanwhile cancelled, reissued,
expired or released by another claim, the release is a CONFLICT: the document is flagged
``uncertain`` for staff with an ``offline.conflict`` audit record, never dropped. Every report
leaves a ``claims`` row under the lane's claim id, so a second report of the same release
changes nothing (idempotent), on SQLite and PostgreSQL alike.

Only the lane that could have released it offline may report it: the lane owning the locker bank
of the pickup's door (print pickups are never released offline). Any other lane's report is
REFUSED (audited ``offline.refused``) and changes nothing, so a lane key cannot freeze another
lane's pickups by reporting bogus offline releases of them.
"""

from __future__ import annotations

import logging

from sqlalchemy import and_, insert, select, update
from sqlalchemy.engine import Connection

from controller.kernel.codes import hash_prefix
from controller.kernel.errors import AmbilError, CodeError
from controller.kernel.outcomes import CLAIM_OUTCOMES
from controller.office import audit, claim_reports, door_release
from controller.office.db.tables import claims as claims_table
from controller.office.db.tables import documents, locker_banks, pickups
from controller.office.snapshot import releasable

log = logging.getLogger(__name__)

CONFLICT_PREFIX = "offline conflict: "


def apply_offline_release(
    conn: Connection,
    *,
    lane_id: str,
    claim_id: str,
    code_hash: str,
    outcome: str,
    detail: str,
    released_at: float,
    now: float,
) -> dict:
    """Apply one offline release in the caller's transaction; returns ``{claim_id, result,
    document_id, detail}`` with result ``applied`` | ``conflict`` | ``duplicate``.

    Locks the pickup row first, then reads the claim (the order of the claim path)."""
    if outcome not in CLAIM_OUTCOMES:
        raise AmbilError(f"outcome must be one of {', '.join(CLAIM_OUTCOMES)}", key="request.invalid")
    released_at = min(float(released_at), now)  # a lane cannot have released in the future
    pickup = conn.execute(
        select(pickups, documents.c.locker_bank, documents.c.kind)
        .select_from(pickups.join(documents, pickups.c.document_id == documents.c.id))
        .where(pickups.c.code_hash == code_hash)
        .with_for_update(of=pickups)
    ).first()
    if pickup is None:
        raise CodeError("no pickup with this code hash", key="code.unknown")
    result = {"claim_id": claim_id, "document_id": pickup.document_id}
    bank_lane = conn.execute(
        select(locker_banks.c.lane_id).where(locker_banks.c.id == pickup.locker_bank)
    ).scalar()
    if pickup.kind != "locker" or bank_lane != lane_id:
        return _refuse_foreign(conn, pickup, claim_id, lane_id, outcome, now)
    known = conn.execute(select(claims_table).where(claims_table.c.claim_id == claim_id)).first()
    if known is not None and known.pickup_id != pickup.id:
        raise CodeError("claim id already used for another pickup", key="claim.conflict")
    if known is not None and known.outcome is not None:
        verdict = "conflict" if (known.detail or "").startswith(CONFLICT_PREFIX) else "duplicate"
        return {**result, "result": "duplicate", "detail": verdict}
    if known is not None:
        # the online claim reached the office before the link broke: finish it as a normal report
        error = claim_reports.report_claim(
            conn, claim_id=claim_id, lane_id=lane_id, outcome=outcome, detail=f"offline: {detail}", now=now
        )
        if error is not None:
            raise error
        return {**result, "result": "applied", "detail": "claimed online, released offline"}
    subject = f"document:{pickup.document_id}"
    if outcome not in ("released", "uncertain"):
        # nothing left the locker: keep the trace, change nothing else
        _record_claim(conn, pickup.id, claim_id, lane_id, released_at, now, outcome, f"offline: {detail}")
        audit.append(
            conn,
            at=now,
            actor=f"lane:{lane_id}",
            action=f"pickup.{outcome}",
            subject=subject,
            detail={"pickup_id": pickup.id, "claim_id": claim_id, "offline": True, "detail": detail[:200]},
        )
        return {**result, "result": "applied", "detail": outcome}
    won = conn.execute(
        update(pickups)
        .where(
            and_(pickups.c.id == pickup.id, pickups.c.state == "ready", pickups.c.expires_at > released_at)
        )
        .values(
            state=outcome,
            claim_id=claim_id,
            lane_id=lane_id,
            claimed_at=released_at,
            finished_at=now,
            outcome=outcome,
            detail=f"offline: {detail}"[:500],
        )
        .returning(pickups.c.id)
    ).first()
    if won is not None:
        _record_claim(conn, pickup.id, claim_id, lane_id, released_at, now, outcome, f"offline: {detail}")
        conn.execute(
            update(documents)
            .where(documents.c.id == pickup.document_id)
            .values(state=outcome, updated_at=now)
        )
        audit.append(
            conn,
            at=now,
            actor=f"lane:{lane_id}",
            action=f"pickup.{outcome}",
            subject=subject,
            detail={
                "pickup_id": pickup.id,
                "claim_id": claim_id,
                "offline": True,
                "code": hash_prefix(code_hash),
                "released_at": released_at,
            },
        )
        log.info("offline release %s of pickup %d applied", claim_id, pickup.id)
        return {**result, "result": "applied", "detail": outcome, "state": outcome}
    return _conflict(conn, pickup, claim_id, lane_id, outcome, released_at, now, result)


def _refuse_foreign(conn, pickup, claim_id, lane_id, outcome, now) -> dict:
    """A lane that does not own the pickup's locker cannot have released it offline: refuse."""
    audit.append(
        conn,
        at=now,
        actor=f"lane:{lane_id}",
        action="offline.refused",
        subject=f"document:{pickup.document_id}",
        detail={"pickup_id": pickup.id, "claim_id": claim_id, "outcome": outcome, "reason": "auth.forbidden"},
    )
    log.warning("offline report %s from lane %s refused: not the lane of that locker", claim_id, lane_id)
    return {"claim_id": claim_id, "result": "refused", "detail": "auth.forbidden"}


def _why(pickup, released_at: float) -> str:
    if pickup.state == "ready" and pickup.expires_at <= released_at:
        return "it expired"
    if pickup.state in ("revoked", "expired"):
        return f"it was {pickup.outcome or pickup.state}"  # cancelled | reissued | expired
    return f"it was {pickup.state} by another claim"


def _conflict(conn, pickup, claim_id, lane_id, outcome, released_at, now, result) -> dict:
    """The item left the locker although the pickup was no longer releasable: flag for staff."""
    text = f"released offline by lane {lane_id} after {_why(pickup, released_at)}"
    subject = f"document:{pickup.document_id}"
    _record_claim(conn, pickup.id, claim_id, lane_id, released_at, now, outcome, CONFLICT_PREFIX + text)
    if pickup.state in ("revoked", "expired", "ready"):
        # staff resolve it like any uncertain release (the pickup holds the offline claim)
        conn.execute(
            update(pickups)
            .where(pickups.c.id == pickup.id)
            .values(
                state="uncertain",
                claim_id=claim_id,
                lane_id=lane_id,
                claimed_at=released_at,
                finished_at=now,
                outcome="offline_conflict",
                detail=text,
            )
        )
        # a reissued code must not open a door the offline release already emptied
        for other in conn.execute(
            select(pickups.c.id, pickups.c.code_hash).where(
                pickups.c.document_id == pickup.document_id,
                pickups.c.id != pickup.id,
                pickups.c.state == "ready",
            )
        ).all():
            conn.execute(
                update(pickups)
                .where(pickups.c.id == other.id, pickups.c.state == "ready")
                .values(state="revoked", finished_at=now, outcome="released_offline")
            )
            audit.append(
                conn,
                at=now,
                actor=f"lane:{lane_id}",
                action="pickup.revoked",
                subject=subject,
                detail={
                    "pickup_id": other.id,
                    "code": hash_prefix(other.code_hash),
                    "reason": "released_offline",
                },
            )
        conn.execute(
            update(documents)
            .where(documents.c.id == pickup.document_id)
            .values(state="uncertain", updated_at=now)
        )
    audit.append(
        conn,
        at=now,
        actor=f"lane:{lane_id}",
        action="offline.conflict",
        subject=subject,
        detail={
            "pickup_id": pickup.id,
            "claim_id": claim_id,
            "outcome": outcome,
            "detail": text,
            "released_at": released_at,
        },
    )
    log.warning("offline release %s conflicts: document %d %s", claim_id, pickup.document_id, text)
    return {**result, "result": "conflict", "detail": text}


def _record_claim(conn, pickup_id, claim_id, lane_id, claimed_at, now, outcome, detail) -> None:
    conn.execute(
        insert(claims_table).values(
            claim_id=claim_id,
            pickup_id=pickup_id,
            lane_id=lane_id,
            claimed_at=claimed_at,
            finished_at=now,
            outcome=outcome,
            detail=detail[:500],
        )
    )


class OfficeSync:
    """The office's side of lane sync, over an ``Office`` (its engine, clock and hooks)."""

    def __init__(self, office):
        self.office = office

    def snapshot(self, lane_id: str) -> dict:
        """``{lane_id, office_time, pickups}`` for the lane's offline store."""
        now = self.office.clock()
        with self.office.engine.begin() as conn:
            rows = releasable(conn, lane_id=lane_id, now=now)
            door_release.record_served(conn, lane_id, now)
        return {"lane_id": lane_id, "office_time": now, "pickups": rows}

    def acknowledge(self, lane_id: str, *, snapshot_time: float, grace_seconds: float) -> None:
        """The lane stored the snapshot of ``snapshot_time``; it releases offline from it for at
        most ``grace_seconds`` (its ``lane.offline_grace_seconds``)."""
        with self.office.engine.begin() as conn:
            door_release.record_held(
                conn,
                lane_id,
                snapshot_time=snapshot_time,
                grace_seconds=grace_seconds,
                now=self.office.clock(),
            )

    def reconcile(self, lane_id: str, releases: list[dict]) -> list[dict]:
        """Apply each offline release in its own transaction; one verdict per release.

        A release the office cannot place (unknown code hash, claim id reused) gets result
        ``refused`` with the error key, so the lane stops sending it."""
        results = []
        for item in releases:
            try:
                with self.office.engine.begin() as conn:
                    verdict = apply_offline_release(
                        conn,
                        lane_id=lane_id,
                        claim_id=item["claim_id"],
                        code_hash=item["code_hash"],
                        outcome=item["outcome"],
                        detail=str(item.get("detail", ""))[:500],
                        released_at=float(item["released_at"]),
                        now=self.office.clock(),
                    )
            except AmbilError as exc:
                verdict = {"claim_id": item["claim_id"], "result": "refused", "detail": exc.key}
            results.append(verdict)
            if verdict.get("state") in ("released", "uncertain"):
                for hook in self.office.on_released:
                    try:
                        hook(verdict["document_id"], verdict["state"])
                    except Exception:  # noqa: BLE001 - a notification must not fail reconciliation
                        log.exception("on_released hook failed for document %d", verdict["document_id"])
        return results
