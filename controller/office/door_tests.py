"""A technician's door self-test on a door that holds an item: never without an explicit
confirmation and a reason, and recorded in that document's history (issue 13).

The dashboard asks ``held_item`` before it queues a door test; when the technician confirmed
with a reason, ``record_opening`` writes ``locker.door_opened_for_test`` on the document before
the command is queued, so the history says who opened the door with the item in it, and why.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Engine

from controller.kernel.errors import AmbilError
from controller.office import audit, door_release
from controller.office.db import reading
from controller.office.db.tables import documents, locker_banks

HELD_STATES_NOTE = "an item awaiting pickup (or to take back out) is behind this door"
# a lane's own door test of a door the office knows is loaded, which the lane did not know of
LANE_UNAWARE_NOTE = "opened by the lane's own self-test; its last sync knew of no item here"


def held_item(engine: Engine, bank_id: str, door: int, *, lane_id: str | None = None) -> int | None:
    """The document whose item is (or may be) behind ``door`` of ``bank_id``, else None; with
    ``lane_id``, only in a bank of that lane (a lane's own report never reaches another's items)."""
    query = select(documents.c.id).where(
        documents.c.locker_bank == bank_id, documents.c.door == door, door_release.in_door()
    )
    if lane_id is not None:
        query = query.where(
            documents.c.locker_bank.in_(select(locker_banks.c.id).where(locker_banks.c.lane_id == lane_id))
        )
    with reading(engine) as conn:
        return conn.execute(query.limit(1)).scalar_one_or_none()


def check_and_record(
    engine: Engine, bank_id: str, door: int, *, actor: str, confirmed: bool, reason: str, lane_id: str
) -> int | None:
    """Refuse (``locker.door_taken``) a test of a door holding an item unless ``confirmed`` with a
    ``reason``; when allowed, record the opening on the document. Returns the document id."""
    doc_id = held_item(engine, bank_id, door)
    if doc_id is None:
        return None
    reason = (reason or "").strip()[:300]
    if not confirmed or not reason:
        raise AmbilError(HELD_STATES_NOTE, key="locker.door_taken")
    with engine.begin() as conn:
        audit.append(
            conn,
            actor=actor,
            action="locker.door_opened_for_test",
            subject=f"document:{doc_id}",
            detail={"lane_id": lane_id, "bank": bank_id, "door": door, "reason": reason},
        )
    return doc_id
