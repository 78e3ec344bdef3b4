"""Lanes that join with their hardware: a lane announces its name, site and locker banks, an
admin accepts the announcement, and the banks are applied through the one owner of the bank
rules (``locker_admin.save_bank``), which never loses a door that holds an item.

A lane announces on every start (its config is read then); an announcement equal to the accepted
one changes nothing, a different one waits for an admin again. The lane row is created on the
first announcement with the announced name; after that the name is the office's (an admin may
rename the lane), so a lane restarting never undoes a rename.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable

from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from controller.kernel.errors import AmbilError
from controller.office import audit, locker_admin
from controller.office.db import insert_ignore, reading
from controller.office.db.tables import DOOR_SIZES, lane_announcements, lanes, locker_banks, locker_doors

MAX_BANKS = 16


def check_announcement(payload: dict) -> dict:
    """The announcement in canonical form; ``request.invalid`` for anything malformed."""
    if not isinstance(payload, dict) or not isinstance(payload.get("banks", []), list):
        raise AmbilError("an announcement is {name, site, banks: [...]}", key="request.invalid")
    banks = []
    for bank in payload.get("banks", [])[: MAX_BANKS + 1]:
        if not isinstance(bank, dict):
            raise AmbilError("a bank is an object", key="request.invalid")
        doors = bank.get("doors")
        if isinstance(doors, bool) or not isinstance(doors, int) or not 1 <= doors <= locker_admin.MAX_DOORS:
            raise AmbilError(f"doors must be 1..{locker_admin.MAX_DOORS}", key="request.invalid")
        columns = bank.get("columns")
        if columns is not None and (isinstance(columns, bool) or not isinstance(columns, int) or columns < 1):
            raise AmbilError("columns must be a positive whole number", key="request.invalid")
        sizes = bank.get("sizes") or []
        if not isinstance(sizes, list) or any(size not in DOOR_SIZES for size in sizes) or len(sizes) > doors:
            raise AmbilError(f"sizes: one of {', '.join(DOOR_SIZES)} per door", key="request.invalid")
        banks.append(
            {
                "id": locker_admin.check_ident(str(bank.get("id", "")), "bank id"),
                "doors": doors,
                "columns": columns,
                "location": str(bank.get("location") or "")[:200],
                "sizes": sizes,
            }
        )
    if len(banks) > MAX_BANKS or len({b["id"] for b in banks}) != len(banks):
        raise AmbilError(f"at most {MAX_BANKS} banks, each id once", key="request.invalid")
    return {
        "name": str(payload.get("name") or "").strip()[:200],
        "site": str(payload.get("site") or "").strip()[:200],
        "banks": sorted(banks, key=lambda b: b["id"]),
    }


class LaneJoin:
    """Announcements in, accepted banks out (``actor`` of an acceptance is the admin)."""

    def __init__(self, engine: Engine, *, clock: Callable[[], float] = time.time):
        self.engine = engine
        self.clock = clock

    def announce(self, lane_id: str, payload: dict) -> dict:
        """Store a lane's announcement; ``{state: accepted | announced}``."""
        lane_id = locker_admin.check_ident(lane_id, "lane id")
        body = check_announcement(payload)
        digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
        now = self.clock()
        with self.engine.begin() as conn:
            lane = {"id": lane_id, "name": body["name"] or lane_id, "site": body["site"], "created_at": now}
            if insert_ignore(conn, lanes, lane):
                audit.append(
                    conn, at=now, actor=f"lane:{lane_id}", action="lane.created", subject=f"lane:{lane_id}"
                )
            elif body["name"]:
                # a lane made with its key (``ambil apikey create --lane``) is named by its id
                # until it announces its own name; a name an admin gave is kept
                unnamed = (lanes.c.id == lane_id) & (lanes.c.name == lane_id)
                conn.execute(update(lanes).where(unnamed).values(name=body["name"]))
            row = conn.execute(
                select(lane_announcements).where(lane_announcements.c.lane_id == lane_id).with_for_update()
            ).first()
            if row is not None and row.digest == digest:
                conn.execute(
                    update(lane_announcements)
                    .where(lane_announcements.c.lane_id == lane_id)
                    .values(announced_at=now)
                )
                return {"state": "accepted" if row.accepted_at is not None else "announced"}
            values = {
                "name": body["name"],
                "site": body["site"],
                "banks": json.dumps(body["banks"], sort_keys=True),
                "digest": digest,
                "announced_at": now,
                "accepted_at": None,
                "accepted_by": None,
            }
            if row is None:
                conn.execute(lane_announcements.insert().values(lane_id=lane_id, **values))
            else:
                conn.execute(
                    update(lane_announcements).where(lane_announcements.c.lane_id == lane_id).values(**values)
                )
            audit.append(
                conn,
                at=now,
                actor=f"lane:{lane_id}",
                action="lane.announced",
                subject=f"lane:{lane_id}",
                detail={"banks": [(b["id"], b["doors"]) for b in body["banks"]]},
            )
        return {"state": "announced"}

    def pending(self) -> list[dict]:
        """Announcements waiting for an admin, with each bank as the office has it now."""
        with reading(self.engine) as conn:
            rows = conn.execute(
                select(lane_announcements)
                .where(lane_announcements.c.accepted_at.is_(None))
                .order_by(lane_announcements.c.lane_id)
            ).all()
            have = {b.id: (b.lane_id, b.doors) for b in conn.execute(select(locker_banks))}
        out = []
        for row in rows:
            banks = [{**b, "now": have.get(b["id"])} for b in json.loads(row.banks)]
            out.append(
                {
                    "lane_id": row.lane_id,
                    "name": row.name,
                    "site": row.site,
                    "banks": banks,
                    "at": row.announced_at,
                }
            )
        return out

    def accept(self, lane_id: str, *, actor: str) -> dict:
        """Apply a lane's announced banks; ``{banks, flagged}`` (doors kept because they hold items)."""
        now = self.clock()
        flagged: dict[str, list[int]] = {}
        with self.engine.begin() as conn:
            row = conn.execute(
                select(lane_announcements).where(lane_announcements.c.lane_id == lane_id).with_for_update()
            ).first()
            if row is None:
                raise AmbilError(f"lane {lane_id!r} announced nothing", key="lane.not_found")
            banks = json.loads(row.banks)
            for bank in banks:
                layout = {"columns": bank["columns"], "location": bank["location"], "sizes": bank["sizes"]}
                locker_admin.save_bank(
                    conn,
                    bank["id"],
                    lane_id,
                    bank["doors"],
                    actor=actor,
                    now=now,
                    layout=layout,
                    keep_held=True,
                )
                kept = _kept_doors(conn, bank["id"], bank["doors"])
                if kept:
                    flagged[bank["id"]] = kept
            if row.site:
                conn.execute(update(lanes).where(lanes.c.id == lane_id).values(site=row.site))
            conn.execute(
                update(lane_announcements)
                .where(lane_announcements.c.lane_id == lane_id)
                .values(accepted_at=now, accepted_by=actor)
            )
            audit.append(
                conn,
                at=now,
                actor=actor,
                action="lane.accepted",
                subject=f"lane:{lane_id}",
                detail={"banks": [b["id"] for b in banks], "flagged": flagged},
            )
        return {"banks": [b["id"] for b in banks], "flagged": flagged}


def _kept_doors(conn, bank_id: str, announced: int) -> list[int]:
    """Doors beyond the announced count that the bank kept because they hold an item."""
    return list(
        conn.execute(
            select(locker_doors.c.door)
            .where(
                locker_doors.c.bank_id == bank_id,
                locker_doors.c.door > announced,
                locker_doors.c.note == locker_admin.REMOVED_NOTE,
            )
            .order_by(locker_doors.c.door)
        ).scalars()
    )
