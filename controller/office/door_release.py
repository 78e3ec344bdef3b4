"""Doors are freed by people, not by states (DESIGN 5), and what each lane's offline copy holds.

A loaded door whose document was cancelled or expired is ``to_retrieve``: the item may still be
inside, so staff must confirm it empty (``documents.retrieved_at``). Even then a lane that owns
the bank may hold an older snapshot in which the old pickup is releasable offline; the door is
``awaiting_sync`` until that lane confirmed storing a snapshot taken after the confirmation, or
until its offline grace period since the newest snapshot it could hold has run out.

``lane_sync`` records, per lane, the newest snapshot served (``served_at``), the newest one the
lane confirmed it stored (``held_at``) and the lane's grace period as it reported it. A snapshot
served is not a snapshot held (the answer may never have arrived), so only ``held_at`` frees a
door early. A lane that never fetched a snapshot holds nothing to wait for.

A load id names one loading of one door (the document and when its item went in): the snapshot
gives each pickup its own load id and the load id its door holds now, and a lane grants offline
only when the two are the same.
"""

from __future__ import annotations

from sqlalchemy import and_, case, or_, select, update
from sqlalchemy.engine import Connection

from controller.kernel.clock import OFFLINE_GRACE_MAX_SECONDS
from controller.office.db import insert_ignore
from controller.office.db.tables import documents, lane_sync, locker_banks

# states whose document keeps its door taken (its item is in it, or is being put in)
DOOR_HOLDING_STATES = ("draft", "ready", "uncertain", "expired")


def load_id(document_id: int, loaded_at: float | None) -> str | None:
    """The id of one loading of one door (None when nothing was loaded)."""
    return None if loaded_at is None else f"{document_id}@{loaded_at:.6f}"


def unretrieved():
    """SQL: a cancelled document whose item was loaded and that staff have not confirmed empty."""
    return and_(
        documents.c.state == "cancelled",
        documents.c.loaded_at.is_not(None),
        documents.c.retrieved_at.is_(None),
    )


def in_door():
    """SQL: the document's item is (or may be) in its door now."""
    return or_(documents.c.state.in_(DOOR_HOLDING_STATES), unretrieved())


def needs_retrieval(doc) -> bool:
    """Whether staff must take the item of ``doc`` (a row or a described dict) out: expired, or
    cancelled after loading and not yet confirmed empty."""
    get = doc.get if isinstance(doc, dict) else lambda name: getattr(doc, name)
    if get("kind") != "locker":
        return False
    if get("state") == "expired":
        return True
    return get("state") == "cancelled" and get("loaded_at") is not None and get("retrieved_at") is None


# -- what the lanes hold ------------------------------------------------------------------------
def record_served(conn: Connection, lane_id: str, now: float) -> None:
    """A snapshot taken at ``now`` was handed to ``lane_id``."""
    if insert_ignore(conn, lane_sync, {"lane_id": lane_id, "served_at": now, "updated_at": now}):
        return
    conn.execute(
        update(lane_sync)
        .where(lane_sync.c.lane_id == lane_id)
        .values(
            served_at=case((lane_sync.c.served_at < now, now), else_=lane_sync.c.served_at),
            updated_at=now,
        )
    )


def record_held(conn: Connection, lane_id: str, *, snapshot_time: float, grace_seconds: float, now: float):
    """``lane_id`` stored the snapshot taken at ``snapshot_time``; its grace is ``grace_seconds``.

    A lane cannot hold a snapshot newer than the newest served: the time is capped at that."""
    row = conn.execute(select(lane_sync).where(lane_sync.c.lane_id == lane_id).with_for_update()).first()
    if row is None:
        return
    held = min(float(snapshot_time), row.served_at)
    conn.execute(
        update(lane_sync)
        .where(lane_sync.c.lane_id == lane_id)
        .values(
            held_at=held if row.held_at is None else max(row.held_at, held),
            grace_seconds=min(max(float(grace_seconds), 0.0), OFFLINE_GRACE_MAX_SECONDS),
            updated_at=now,
        )
    )


def clearing_after(conn: Connection, lane_id: str | None, now: float) -> float | None:
    """Doors confirmed empty after this time may still be in a snapshot ``lane_id`` can release
    from offline; None when no snapshot of that lane can still be used."""
    if lane_id is None:
        return None
    row = conn.execute(select(lane_sync).where(lane_sync.c.lane_id == lane_id)).first()
    if row is None:
        return None  # never fetched a snapshot: it holds nothing
    grace = OFFLINE_GRACE_MAX_SECONDS if row.grace_seconds is None else row.grace_seconds
    if now - row.served_at > grace:
        return None  # even the newest snapshot it could hold is past its grace period
    return row.held_at if row.held_at is not None else 0.0


def door_state_of(doc, clearing: float | None) -> str | None:
    """``to_retrieve`` / ``awaiting_sync`` for a document that keeps its door from being free."""
    if needs_retrieval(doc):
        return "to_retrieve"
    if doc.state == "cancelled" and doc.retrieved_at is not None and clearing is not None:
        # a snapshot taken at the very time of the confirmation may have been read before it
        # (a coarse or frozen clock): only a strictly newer snapshot frees the door
        if doc.retrieved_at >= clearing:
            return "awaiting_sync"
    return None


def door_blocker(conn: Connection, bank_id: str, door: int, now: float):
    """``(error key, document id)`` of what keeps ``door`` from being loaded, or None when free."""
    lane_id = conn.execute(select(locker_banks.c.lane_id).where(locker_banks.c.id == bank_id)).scalar()
    clearing = clearing_after(conn, lane_id, now)
    at_door = [documents.c.locker_bank == bank_id, documents.c.door == door]
    waiting = [in_door()]
    if clearing is not None:
        waiting.append(and_(documents.c.state == "cancelled", documents.c.retrieved_at >= clearing))
    for doc in conn.execute(select(documents).where(*at_door, or_(*waiting)).order_by(documents.c.id)):
        state = door_state_of(doc, clearing)
        if state == "to_retrieve":
            return "locker.to_retrieve", doc.id
        if state == "awaiting_sync":
            return "locker.awaiting_sync", doc.id
        if doc.state in DOOR_HOLDING_STATES:
            return "locker.door_taken", doc.id
    return None


def door_loads(conn: Connection, bank_ids: list[str]) -> dict[tuple[str, int], str]:
    """The load id each door of ``bank_ids`` holds now (doors with nothing in them are absent)."""
    if not bank_ids:
        return {}
    rows = conn.execute(
        select(documents.c.id, documents.c.locker_bank, documents.c.door, documents.c.loaded_at)
        .where(documents.c.locker_bank.in_(bank_ids), documents.c.loaded_at.is_not(None), in_door())
        .order_by(documents.c.id)
    ).all()
    # the newest loading wins: an older document still claiming the door no longer matches it
    return {(row.locker_bank, row.door): load_id(row.id, row.loaded_at) for row in rows}
