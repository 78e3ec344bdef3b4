"""Locker inventory for staff: each bank as a grid of doors, door suggestion, loading, retrieval.

A door's state is derived from the documents behind it, never stored, so it cannot drift from
the documents: free, reserved (a draft is assigned, the item is not in yet), loaded, awaiting
(ready or being claimed), uncertain (a release staff must resolve), collected (released in the
last day and not reused since), to_retrieve (expired or cancelled with the item inside: staff
must take it back), awaiting_sync (confirmed empty, but the owning lane may still hold a snapshot
that opens it: ``door_release.py``), out_of_order.
Loading runs in steps: ``assign_door`` (the route then asks the lane to open it), the item goes
in, the door is closed, ``confirm_loaded``; only a loaded locker document may be marked ready.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlalchemy.engine import Connection, Engine

from controller.kernel.errors import DocumentError
from controller.office import audit, documents, door_release
from controller.office.db import reading
from controller.office.db.tables import DOOR_SIZES, locker_banks, locker_doors
from controller.office.db.tables import documents as documents_table
from controller.office.locker_admin import LockerAdmin, ensure_door_rows
from controller.office.locker_retrieval import LockerRetrieval

log = logging.getLogger(__name__)

DOOR_STATES = (
    "free",
    "reserved",
    "loaded",
    "awaiting",
    "uncertain",
    "collected",
    "to_retrieve",
    "awaiting_sync",
    "out_of_order",
)
COLLECTED_SHOWN_SECONDS = 86400.0  # a collected door shows as such for a day unless reused
USABLE_STATES = ("free", "collected")  # doors staff may load now (a collected one is empty)


@dataclass(frozen=True)
class DoorView:
    bank_id: str
    door: int
    size: str
    state: str
    out_of_order: bool = False
    note: str = ""
    document_id: int | None = None
    title: str = ""
    since: float | None = None  # when the door reached this state (the document's last change)


@dataclass(frozen=True)
class BankView:
    id: str
    lane_id: str
    doors: list[DoorView]
    columns: int | None = None  # doors per row as built (door 1 top left), None until a lane said

    def count(self, state: str) -> int:
        return sum(1 for d in self.doors if d.state == state)


def _door_state(doc, out_of_order: bool, now: float, clearing: float | None) -> str:
    if out_of_order:
        return "out_of_order"
    if doc is None:
        return "free"
    waiting = door_release.door_state_of(doc, clearing)
    if waiting is not None:
        return waiting
    if doc.state == "draft":
        return "loaded" if doc.loaded_at is not None else "reserved"
    if doc.state == "ready":
        return "awaiting"
    if doc.state == "uncertain":
        return doc.state
    if doc.state == "released" and now - doc.updated_at < COLLECTED_SHOWN_SECONDS:
        return "collected"
    return "free"


def _holds(doc, clearing: float | None) -> bool:
    """Whether ``doc`` keeps its door from being loaded (its item is in, or may still be opened)."""
    return doc.state in documents.DOOR_HOLDING_STATES or door_release.door_state_of(doc, clearing) is not None


def _fits(door_size: str, wanted: str | None) -> bool:
    return wanted is None or DOOR_SIZES.index(door_size) >= DOOR_SIZES.index(wanted)


class Lockers(LockerAdmin, LockerRetrieval):
    """Door states, suggestions, loading (and, inherited, retrieval and lane and bank admin)."""

    def __init__(self, engine: Engine, *, clock: Callable[[], float] = time.time):
        self.engine = engine
        self.clock = clock

    # -- the grid ------------------------------------------------------------------------------
    def banks(self, *, lane_id: str | None = None) -> list[BankView]:
        """Every bank (of one lane) with each door's derived state, doors in number order."""
        now = self.clock()
        with self.engine.begin() as conn:
            query = select(locker_banks).order_by(locker_banks.c.id)
            if lane_id is not None:
                query = query.where(locker_banks.c.lane_id == lane_id)
            banks = conn.execute(query).all()
            return [self._bank_view(conn, bank, now) for bank in banks]

    def bank(self, bank_id: str) -> BankView:
        now = self.clock()
        with self.engine.begin() as conn:
            row = conn.execute(select(locker_banks).where(locker_banks.c.id == bank_id)).first()
            if row is None:
                raise DocumentError(f"bank {bank_id!r}", key="locker.unknown_door")
            return self._bank_view(conn, row, now)

    def _bank_view(self, conn: Connection, bank, now: float) -> BankView:
        ensure_door_rows(conn, bank.id, bank.doors)
        rows = conn.execute(
            select(locker_doors).where(locker_doors.c.bank_id == bank.id, locker_doors.c.door <= bank.doors)
        ).all()
        recent = now - COLLECTED_SHOWN_SECONDS
        clearing = door_release.clearing_after(conn, bank.lane_id, now)
        shown_states = [
            door_release.in_door(),
            and_(
                documents_table.c.state.in_(("released", "cancelled")),
                documents_table.c.updated_at >= recent,
            ),
        ]
        if clearing is not None:
            shown_states.append(documents_table.c.retrieved_at > clearing)
        docs = conn.execute(
            select(documents_table)
            .where(documents_table.c.locker_bank == bank.id, or_(*shown_states))
            .order_by(documents_table.c.id)
        ).all()
        # the document that decides a door: the one holding it, else the newest recent one
        deciding: dict[int, object] = {}
        for doc in docs:
            current = deciding.get(doc.door)
            if current is None or not _holds(current, clearing):
                deciding[doc.door] = doc
        views = []
        for row in sorted(rows, key=lambda r: r.door):
            doc = deciding.get(row.door)
            state = _door_state(doc, bool(row.out_of_order), now, clearing)
            shown = doc if doc is not None and state not in ("free", "out_of_order") else None
            if bool(row.out_of_order) and doc is not None and _holds(doc, clearing):
                shown = doc  # an out-of-order door may still hold an item: keep it visible
            views.append(
                DoorView(
                    bank_id=bank.id,
                    door=row.door,
                    size=row.size,
                    state=state,
                    out_of_order=bool(row.out_of_order),
                    note=row.note or "",
                    document_id=shown.id if shown is not None else None,
                    title=shown.title if shown is not None else "",
                    since=shown.updated_at if shown is not None else None,
                )
            )
        return BankView(id=bank.id, lane_id=bank.lane_id, doors=views, columns=bank.columns)

    def suggest_door(self, size: str | None, lane_id: str | None = None) -> tuple[str, int] | None:
        """A usable, in-order door of ``size`` (or the next size up), or None when none is free.

        Smallest fitting size first, then empty (free) doors before recently collected ones, then
        bank and door number: big doors stay available for big items.
        """
        if size is not None and size not in DOOR_SIZES:
            raise DocumentError(f"size must be one of {', '.join(DOOR_SIZES)}", key="document.invalid")
        candidates = self.usable_doors(size, lane_id)  # the one rule of what staff may load
        if not candidates:
            return None
        best = min(
            candidates,
            key=lambda d: (DOOR_SIZES.index(d.size), USABLE_STATES.index(d.state), d.bank_id, d.door),
        )
        return best.bank_id, best.door

    def usable_doors(self, size: str | None = None, lane_id: str | None = None) -> list[DoorView]:
        """Every door staff may load now that fits ``size``, in suggestion order."""
        doors = [
            door
            for bank in self.banks(lane_id=lane_id)
            for door in bank.doors
            if door.state in USABLE_STATES and _fits(door.size, size)
        ]
        return sorted(doors, key=lambda d: (DOOR_SIZES.index(d.size), d.bank_id, d.door))

    # -- loading -------------------------------------------------------------------------------
    def awaiting_load(self, limit: int = 100) -> list[dict]:
        """Draft locker documents whose item is not in a door yet (oldest first)."""
        query = (
            select(documents_table)
            .where(
                documents_table.c.kind == "locker",
                documents_table.c.state == "draft",
                documents_table.c.loaded_at.is_(None),
            )
            .order_by(documents_table.c.id)
            .limit(limit)
        )
        with reading(self.engine) as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def assign_door(self, doc_id: int, bank_id: str, door: int, *, actor: str) -> str:
        """Put a draft locker document behind ``door`` of ``bank_id``; returns the owning lane id.

        Assigning the door it already has is allowed (staff open it again); another door moves
        the reservation. The door must exist, be in order, be free and be big enough.
        """
        now = self.clock()
        with self.engine.begin() as conn:
            doc = documents.load(conn, doc_id, lock=True)
            if doc.kind != "locker" or doc.state != "draft":
                raise DocumentError(f"document is {doc.kind} {doc.state}", key="document.bad_state")
            if doc.loaded_at is not None:
                raise DocumentError("the item is already loaded", key="document.bad_state")
            same = doc.locker_bank == bank_id and doc.door == door
            if not same:
                documents.check_locker_door(conn, bank_id, door, now)
            bank = conn.execute(select(locker_banks).where(locker_banks.c.id == bank_id)).first()
            if bank is None:
                raise DocumentError(f"bank {bank_id!r}", key="locker.unknown_door")
            ensure_door_rows(conn, bank_id, bank.doors)
            row = conn.execute(
                select(locker_doors).where(locker_doors.c.bank_id == bank_id, locker_doors.c.door == door)
            ).first()
            if row is None:
                raise DocumentError(f"bank {bank_id!r} door {door!r}", key="locker.unknown_door")
            if row.out_of_order:
                raise DocumentError(f"door {door} of {bank_id} is out of order", key="locker.out_of_order")
            if not _fits(row.size, doc.door_size):
                raise DocumentError(f"door size {row.size} < {doc.door_size}", key="locker.too_small")
            if not same:
                documents.set_state(conn, doc_id, "draft", now, locker_bank=bank_id, door=door)
                audit.append(
                    conn,
                    at=now,
                    actor=actor,
                    action="locker.door_assigned",
                    subject=f"document:{doc_id}",
                    detail={"bank": bank_id, "door": door, "was": [doc.locker_bank, doc.door]},
                )
            return bank.lane_id

    def record_door_opened(self, doc_id: int, answer: dict, *, actor: str) -> None:
        """Audit the lane's answer to "open this door for loading" (opened / not_detected / failed)."""
        keep = ("lane_id", "bank", "door", "outcome", "detail", "journal_id")
        with self.engine.begin() as conn:
            audit.append(
                conn,
                at=self.clock(),
                actor=actor,
                action="locker.door_opened_for_loading",
                subject=f"document:{doc_id}",
                detail={k: answer.get(k) for k in keep if k in answer},
            )

    def confirm_loaded(self, doc_id: int, *, actor: str, door_closed: bool | None) -> dict:
        """Staff put the item in and closed the door: record it, so the document may be made ready.

        ``door_closed`` is the door sensor now: False refuses (close the door first), None means
        the bank has no sensor or it could not be read (recorded as unchecked).
        """
        if door_closed is False:
            raise DocumentError("the door still reads open", key="locker.door_open")
        now = self.clock()
        with self.engine.begin() as conn:
            doc = documents.load(conn, doc_id, lock=True)
            if doc.kind != "locker" or doc.state != "draft":
                raise DocumentError(f"document is {doc.kind} {doc.state}", key="document.bad_state")
            if doc.locker_bank is None or doc.door is None:
                raise DocumentError("open a door for this document first", key="locker.unknown_door")
            documents.set_state(conn, doc_id, "draft", now, loaded_at=now)
            sensor = "unchecked" if door_closed is None else "closed"
            audit.append(
                conn,
                at=now,
                actor=actor,
                action="locker.loaded",
                subject=f"document:{doc_id}",
                detail={"bank": doc.locker_bank, "door": doc.door, "sensor": sensor},
            )
            return documents.describe(conn, documents.load(conn, doc_id))
