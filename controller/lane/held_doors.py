"""A door that holds an item awaiting pickup, as the lane alone knows it (issue 15): the lane's
own self-test (``ambil selftest door`` or its local API, with no office in the process to ask)
refuses such a door unless the technician confirms with a reason, as the office's check does
(``controller/office/door_tests.py``).

The lane knows what is behind a door from its offline snapshot (``offline.py``): a synced pickup
of that door which this lane has not released since (online or offline) holds an item.
"""

from __future__ import annotations

import logging

from controller.kernel.errors import AmbilError
from controller.kernel.outcomes import RELEASED
from controller.lane.offline import OfflineStore

log = logging.getLogger(__name__)

HELD_NOTE = "an item awaiting pickup is behind this door (by the lane's last sync)"


def held_document(offline: OfflineStore, bank: str, door: int) -> int | None:
    """The document whose item the last snapshot puts behind ``door`` of ``bank``, else None."""
    rows = offline.journal.query(
        "SELECT p.document_id FROM offline_pickups p WHERE p.locker_bank=? AND p.door=? "
        "AND p.pickup_id NOT IN (SELECT pickup_id FROM offline_consumed) "
        "AND p.pickup_id NOT IN (SELECT o.pickup_id FROM offline_claims o "
        "JOIN releases r ON r.claim_id = o.claim_id WHERE r.outcome = ?) LIMIT 1",
        (bank, int(door), RELEASED),
    )
    return int(rows[0][0]) if rows else None


def check_held_door(
    offline: OfflineStore | None, bank: str, door: int, *, confirmed: bool, reason: str
) -> int | None:
    """Refuse (``locker.door_taken``) opening a held door unless ``confirmed`` with a ``reason``;
    returns the held document's id (None: the lane knows of no item there)."""
    if offline is None:
        return None
    doc_id = held_document(offline, bank, door)
    if doc_id is None:
        return None
    if not confirmed or not (reason or "").strip():
        raise AmbilError(HELD_NOTE, key="locker.door_taken")
    log.warning("door %s %s holds document %s: opened for a test, confirmed (%s)", bank, door, doc_id, reason)
    return doc_id
