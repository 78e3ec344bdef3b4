"""Items staff must take back out of their doors (expired, or cancelled after loading), and the
staff's "confirm empty / retrieved" that starts freeing the door (``door_release.py``)."""

from __future__ import annotations

import logging

from sqlalchemy import or_, select, update

from controller.kernel.errors import DocumentError
from controller.office import audit, documents, door_release
from controller.office.db import reading
from controller.office.db.tables import documents as documents_table

log = logging.getLogger(__name__)


class LockerRetrieval:
    """Mixed into ``Lockers`` (which supplies ``engine`` and ``clock``)."""

    def items_to_retrieve(self) -> list[dict]:
        """Locker documents whose item may still be in its door for staff to take back, oldest
        change first: expired ones (``reason`` ``expired``) and cancelled ones (``cancelled``)."""
        query = (
            select(documents_table)
            .where(
                documents_table.c.kind == "locker",
                or_(documents_table.c.state == "expired", door_release.unretrieved()),
            )
            .order_by(documents_table.c.updated_at, documents_table.c.id)
        )
        with reading(self.engine) as conn:
            return [{**row._mapping, "reason": row.state} for row in conn.execute(query)]

    def mark_retrieved(self, doc_id: int, *, actor: str) -> None:
        """Staff took the item of an expired or cancelled document out: its door is empty.

        An expired document is cancelled (its code stops for good). The door is free once the
        owning lane has synced past this (``door_release.clearing_after``)."""
        now = self.clock()
        with self.engine.begin() as conn:
            doc = documents.load(conn, doc_id, lock=True)
            if not door_release.needs_retrieval(doc):
                raise DocumentError(f"document is {doc.kind} {doc.state}", key="document.bad_state")
            conn.execute(
                update(documents_table)
                .where(documents_table.c.id == doc_id, documents_table.c.state == doc.state)
                .values(state="cancelled", retrieved_at=now, updated_at=now)
            )
            audit.append(
                conn,
                at=now,
                actor=actor,
                action="locker.item_retrieved",
                subject=f"document:{doc_id}",
                detail={"bank": doc.locker_bank, "door": doc.door, "was": doc.state},
            )
        log.info("item of document %s taken out of %s door %s", doc_id, doc.locker_bank, doc.door)
