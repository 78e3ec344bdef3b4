"""Admin side of the locker inventory: lanes, locker banks (which lane owns them), door sizes.

Every change is audited with the admin as actor. Shrinking a bank below a door that still holds a
document is refused: the item behind it would vanish from every list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from controller.kernel.errors import AmbilError, DocumentError
from controller.office import audit, door_release
from controller.office.db import insert_ignore, reading
from controller.office.db.tables import DOOR_SIZES, lanes, locker_banks, locker_doors
from controller.office.db.tables import documents as documents_table

IDENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
MAX_DOORS = 200


def ensure_door_rows(conn: Connection, bank_id: str, doors: int) -> None:
    """Give every door of the bank a locker_doors row (size M, in order) where it has none."""
    have = set(conn.execute(select(locker_doors.c.door).where(locker_doors.c.bank_id == bank_id)).scalars())
    for door in range(1, doors + 1):
        if door not in have:
            insert_ignore(
                conn,
                locker_doors,
                {"bank_id": bank_id, "door": door, "size": "M", "out_of_order": False, "note": ""},
            )


def save_bank(
    conn: Connection,
    bank_id: str,
    lane_id: str,
    doors: int,
    *,
    actor: str,
    now: float,
    layout: dict | None = None,
    keep_held: bool = False,
) -> str:
    """Create a bank, or move/resize an existing one; returns 'created' or 'updated'.

    The one path for banks, from the admin page, the config at start and a lane's announcement
    alike: the id and door count are checked, the lane must exist, and every door gets its row.
    A bank never loses a door that still holds a document: shrinking below it is refused, or with
    ``keep_held`` (an announcement accepted) the bank keeps that door, flagged out of order with a
    note saying why. ``layout`` may give ``columns``, ``location`` and ``sizes`` (door 1 first).
    """
    bank_id = check_ident(bank_id, "bank id")
    if isinstance(doors, bool) or not isinstance(doors, int) or not 1 <= doors <= MAX_DOORS:
        raise AmbilError(f"doors must be 1..{MAX_DOORS}", key="request.invalid")
    if conn.execute(select(lanes.c.id).where(lanes.c.id == lane_id)).first() is None:
        raise AmbilError(f"lane {lane_id!r}", key="request.invalid")
    exists = conn.execute(
        select(locker_banks.c.id).where(locker_banks.c.id == bank_id).with_for_update()
    ).first()
    layout = layout or {}
    placement = {k: layout[k] for k in ("columns", "location") if layout.get(k) is not None}
    flagged: list[int] = []
    if exists is None:
        conn.execute(
            locker_banks.insert().values(
                id=bank_id, lane_id=lane_id, doors=doors, created_at=now, **placement
            )
        )
        action = "locker_bank.created"
    else:
        held = _highest_held(conn, bank_id)
        if held is not None and held > doors:
            if not keep_held:
                raise DocumentError(f"door {held} still holds a document", key="locker.door_taken")
            flagged = _flag_removed(conn, bank_id, doors)
            doors = held
        conn.execute(
            update(locker_banks)
            .where(locker_banks.c.id == bank_id)
            .values(lane_id=lane_id, doors=doors, **placement)
        )
        action = "locker_bank.updated"
    ensure_door_rows(conn, bank_id, doors)
    for door, size in enumerate(layout.get("sizes") or [], start=1):
        if size in DOOR_SIZES and door <= doors:
            conn.execute(
                update(locker_doors)
                .where(locker_doors.c.bank_id == bank_id, locker_doors.c.door == door)
                .values(size=size)
            )
    audit.append(
        conn,
        at=now,
        actor=actor,
        action=action,
        subject=f"locker_bank:{bank_id}",
        detail={"lane_id": lane_id, "doors": doors, **placement, **({"flagged": flagged} if flagged else {})},
    )
    return action.rsplit(".", 1)[1]


def _highest_held(conn: Connection, bank_id: str) -> int | None:
    return conn.execute(
        select(func.max(documents_table.c.door)).where(
            documents_table.c.locker_bank == bank_id,
            door_release.in_door(),  # an item to take back out counts too
        )
    ).scalar_one_or_none()


REMOVED_NOTE = "removed from the lane's config but still holds an item: take it out"


def _flag_removed(conn: Connection, bank_id: str, doors: int) -> list[int]:
    """Flag (out of order, with a note) each door above ``doors`` that still holds an item."""
    held = sorted(
        set(
            conn.execute(
                select(documents_table.c.door).where(
                    documents_table.c.locker_bank == bank_id,
                    documents_table.c.door > doors,
                    door_release.in_door(),
                )
            ).scalars()
        )
    )
    for door in held:
        conn.execute(
            update(locker_doors)
            .where(locker_doors.c.bank_id == bank_id, locker_doors.c.door == door)
            .values(out_of_order=True, note=REMOVED_NOTE)
        )
    return held


@dataclass(frozen=True)
class LaneRow:
    id: str
    name: str
    url: str | None
    banks: list[tuple[str, int]]  # (bank id, doors)


def check_ident(value: str, what: str) -> str:
    value = (value or "").strip()
    if not IDENT.match(value):
        raise AmbilError(f"{what}: letters, digits, '.', '-' or '_' (max 64)", key="request.invalid")
    return value


class LockerAdmin:
    """Mixed into ``Lockers``: needs ``self.engine`` and ``self.clock``."""

    engine = None
    clock = None

    def lanes(self) -> list[LaneRow]:
        with reading(self.engine) as conn:
            banks: dict[str, list[tuple[str, int]]] = {}
            for bank in conn.execute(select(locker_banks).order_by(locker_banks.c.id)):
                banks.setdefault(bank.lane_id, []).append((bank.id, bank.doors))
            return [
                LaneRow(row.id, row.name, row.url, banks.get(row.id, []))
                for row in conn.execute(select(lanes).order_by(lanes.c.id))
            ]

    def lane_names(self) -> dict[str, str]:
        """Each lane's name as people read it ("Lajur 1"; its id where it has no name)."""
        with reading(self.engine) as conn:
            return {row.id: row.name or row.id for row in conn.execute(select(lanes.c.id, lanes.c.name))}

    def lane_of_bank(self, bank_id: str) -> str:
        with reading(self.engine) as conn:
            lane_id = conn.execute(
                select(locker_banks.c.lane_id).where(locker_banks.c.id == bank_id)
            ).scalar_one_or_none()
        if lane_id is None:
            raise DocumentError(f"bank {bank_id!r}", key="locker.unknown_door")
        return lane_id

    def create_lane(self, lane_id: str, name: str, *, url: str | None = None, actor: str) -> None:
        """Add a lane; an existing id is refused (lanes are never silently overwritten)."""
        lane_id = check_ident(lane_id, "lane id")
        name = (name or "").strip()[:200] or lane_id
        url = (url or "").strip() or None
        if url is not None and not url.startswith(("http://", "https://")):
            raise AmbilError("the lane URL must start with http:// or https://", key="request.invalid")
        now = self.clock()
        try:
            with self.engine.begin() as conn:
                self._create_lane(conn, lane_id, name, url, actor, now)
        except IntegrityError:  # created by someone else at the same moment
            raise AmbilError(f"lane {lane_id!r} exists", key="request.invalid") from None

    @staticmethod
    def _create_lane(
        conn: Connection, lane_id: str, name: str, url: str | None, actor: str, now: float
    ) -> None:
        # look first: insert_ignore's row count is not reliable on every driver (psycopg gives -1)
        if conn.execute(select(lanes.c.id).where(lanes.c.id == lane_id)).first() is not None:
            raise AmbilError(f"lane {lane_id!r} exists", key="request.invalid")
        conn.execute(lanes.insert().values(id=lane_id, name=name, url=url, created_at=now))
        audit.append(
            conn,
            at=now,
            actor=actor,
            action="lane.created",
            subject=f"lane:{lane_id}",
            detail={"name": name, "url": url},
        )

    def rename_lane(self, lane_id: str, name: str, *, actor: str) -> None:
        """Give a lane another name (its id, in keys and history, stays)."""
        name = (name or "").strip()[:200]
        if not name:
            raise AmbilError("a lane needs a name", key="request.invalid")
        now = self.clock()
        with self.engine.begin() as conn:
            row = conn.execute(select(lanes.c.name).where(lanes.c.id == lane_id).with_for_update()).first()
            if row is None:
                raise AmbilError(f"lane {lane_id!r}", key="lane.not_found")
            conn.execute(update(lanes).where(lanes.c.id == lane_id).values(name=name))
            audit.append(
                conn,
                at=now,
                actor=actor,
                action="lane.renamed",
                subject=f"lane:{lane_id}",
                detail={"from": row.name, "to": name},
            )

    def save_bank(self, bank_id: str, lane_id: str, doors: int, *, actor: str) -> str:
        """Create a bank, or move/resize an existing one; returns 'created' or 'updated'."""
        with self.engine.begin() as conn:
            return save_bank(conn, bank_id, lane_id, doors, actor=actor, now=self.clock())

    def set_door(
        self, bank_id: str, door: int, *, size: str, out_of_order: bool, note: str = "", actor: str
    ) -> None:
        """Set a door's size and out-of-order flag (with a note saying why)."""
        if size not in DOOR_SIZES:
            raise AmbilError(f"size must be one of {', '.join(DOOR_SIZES)}", key="request.invalid")
        note = (note or "").strip()[:300]
        now = self.clock()
        with self.engine.begin() as conn:
            bank = conn.execute(select(locker_banks).where(locker_banks.c.id == bank_id)).first()
            if bank is None or not 1 <= door <= bank.doors:
                raise DocumentError(f"bank {bank_id!r} door {door!r}", key="locker.unknown_door")
            ensure_door_rows(conn, bank_id, bank.doors)
            conn.execute(
                update(locker_doors)
                .where(locker_doors.c.bank_id == bank_id, locker_doors.c.door == door)
                .values(size=size, out_of_order=bool(out_of_order), note=note)
            )
            audit.append(
                conn,
                at=now,
                actor=actor,
                action="locker_door.updated",
                subject=f"locker_bank:{bank_id}",
                detail={"door": door, "size": size, "out_of_order": bool(out_of_order), "note": note},
            )
