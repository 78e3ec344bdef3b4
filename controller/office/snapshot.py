"""What a lane may release while the office is away: its ready locker pickups, as code hashes.

Each row carries the pickup's load id and the load id its door holds now (``door_release.py``);
the lane grants offline only when they are the same.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.engine import Connection

from controller.office.db.tables import documents, locker_banks, pickups
from controller.office.door_release import door_loads, load_id


def _version(row) -> str:
    """Changes whenever anything the lane relies on changes (state, expiry, door, load)."""
    text = (
        f"{row.id}|{row.state}|{row.expires_at}|{row.locker_bank}|{row.door}|{bool(row.pin_hmac)}"
        f"|{row.loaded_at}"
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def releasable(conn: Connection, *, lane_id: str, now: float) -> list[dict]:
    """The pickups ``lane_id`` may release offline: ready locker pickups in its banks."""
    rows = conn.execute(
        select(
            pickups.c.id,
            pickups.c.code_hash,
            pickups.c.document_id,
            pickups.c.state,
            pickups.c.expires_at,
            pickups.c.pin_hmac,
            documents.c.kind,
            documents.c.locker_bank,
            documents.c.door,
            documents.c.loaded_at,
        )
        .select_from(
            pickups.join(documents, pickups.c.document_id == documents.c.id).join(
                locker_banks, documents.c.locker_bank == locker_banks.c.id
            )
        )
        .where(
            pickups.c.state == "ready",
            pickups.c.expires_at > now,
            documents.c.kind == "locker",
            locker_banks.c.lane_id == lane_id,
        )
        .order_by(pickups.c.id)
    ).all()
    banks = conn.execute(select(locker_banks.c.id).where(locker_banks.c.lane_id == lane_id)).scalars()
    loads = door_loads(conn, list(banks))
    return [
        {
            "code_hash": row.code_hash,
            "pickup_id": row.id,
            "document_id": row.document_id,
            "kind": row.kind,
            "locker_bank": row.locker_bank,
            "door": row.door,
            "expires_at": row.expires_at,
            "requires_pin": row.pin_hmac is not None,  # the PIN's HMAC key never leaves the office
            "version": _version(row),
            "load_id": load_id(row.document_id, row.loaded_at),
            "door_load_id": loads.get((row.locker_bank, row.door)),
        }
        for row in rows
    ]
