"""Doors are freed by people, not by states (DESIGN 5): a cancelled or expired loaded door must be
emptied by staff, and is free only once the lane owning the bank has synced past that, or its
offline grace period since its last sync has run out (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from controller.kernel.errors import DocumentError
from controller.office.lockers import Lockers
from controller.office.sync import OfficeSync

GRACE = 3600.0


@pytest.fixture
def lockers(office, engine, clock):
    return Lockers(engine, clock=clock)


def door(lockers, number: int, bank: str = "bank-a"):
    return lockers.bank(bank).doors[number - 1]


def ready_in(office, lockers, number: int, title: str = "KTP-el") -> int:
    doc = office.create_document(kind="locker", title=title, actor="staff", door_size="M")
    lockers.assign_door(doc["id"], "bank-a", number, actor="staff")
    lockers.confirm_loaded(doc["id"], actor="staff", door_closed=True)
    office.mark_ready(doc["id"], actor="staff")
    return doc["id"]


def lane_syncs(office, lane_id: str = "lane-1") -> dict:
    """The lane fetches a snapshot and confirms it stored it (what the lane's SyncWorker does)."""
    sync = OfficeSync(office)
    snap = sync.snapshot(lane_id)
    sync.acknowledge(lane_id, snapshot_time=snap["office_time"], grace_seconds=GRACE)
    return snap


def refused_key(call) -> str:
    with pytest.raises(DocumentError) as err:
        call()
    return err.value.key


def test_a_cancelled_loaded_door_waits_for_staff_and_is_not_offered(office, lockers, clock):
    """Defect 6: cancelling a ready locker document used to free its door with the item inside."""
    doc_x = ready_in(office, lockers, 2)
    office.cancel(doc_x, "staff")
    view = door(lockers, 2)
    assert (view.state, view.document_id) == ("to_retrieve", doc_x)
    assert ("bank-a", 2) not in [(d.bank_id, d.door) for d in lockers.usable_doors("M")]
    assert lockers.suggest_door("M") == ("bank-a", 1)
    doc_y = office.create_document(kind="locker", title="Paspor", actor="staff", door_size="M")
    assert refused_key(lambda: lockers.assign_door(doc_y["id"], "bank-a", 2, actor="staff")) == (
        "locker.to_retrieve"
    )
    assert refused_key(
        lambda: office.create_document(
            kind="locker", title="STNK", actor="api", locker_bank="bank-a", door=2, loaded_at=clock()
        )
    ) == ("locker.to_retrieve")
    assert [item["id"] for item in lockers.items_to_retrieve()] == [doc_x]

    # staff confirm it empty: still not free until the lane has a snapshot taken after that
    lane_syncs(office)
    clock.advance(5)
    lockers.mark_retrieved(doc_x, actor="staff")
    assert door(lockers, 2).state == "awaiting_sync"
    assert refused_key(lambda: lockers.assign_door(doc_y["id"], "bank-a", 2, actor="staff")) == (
        "locker.awaiting_sync"
    )
    assert lockers.items_to_retrieve() == []
    clock.advance(5)
    lane_syncs(office)
    assert door(lockers, 2).state == "free"
    assert lockers.assign_door(doc_y["id"], "bank-a", 2, actor="staff") == "lane-1"
    history = [h["action"] for h in office.get_document(doc_x)["history"]]
    assert "locker.item_retrieved" in history


def test_a_snapshot_of_the_same_instant_as_the_confirmation_does_not_free_the_door(office, lockers, clock):
    """Found by the history checker (its office clock stands still between steps): a lane synced,
    lost its link, staff cancelled X and confirmed its door empty at the same clock reading as
    that snapshot, the door was offered at once, Y went in, and X's code opened it offline."""
    doc_x = ready_in(office, lockers, 2)
    lane_syncs(office)  # the snapshot lists X as releasable offline
    office.cancel(doc_x, "staff")
    lockers.mark_retrieved(doc_x, actor="staff")  # no clock tick since the snapshot
    assert door(lockers, 2).state == "awaiting_sync"
    assert ("bank-a", 2) not in [(d.bank_id, d.door) for d in lockers.usable_doors("M")]
    assert refused_key(
        lambda: office.create_document(
            kind="locker", title="STNK", actor="api", locker_bank="bank-a", door=2, loaded_at=clock()
        )
    ) == ("locker.awaiting_sync")
    clock.advance(1)
    lane_syncs(office)  # a snapshot strictly after the confirmation
    assert door(lockers, 2).state == "free"


def test_a_snapshot_served_but_not_confirmed_does_not_free_the_door(office, lockers, clock):
    lane_syncs(office)
    doc_x = ready_in(office, lockers, 3)
    office.cancel(doc_x, "staff")
    clock.advance(1)
    lockers.mark_retrieved(doc_x, actor="staff")
    clock.advance(1)
    OfficeSync(office).snapshot("lane-1")  # fetched, but the answer may never have reached the lane
    assert door(lockers, 3).state == "awaiting_sync"
    clock.advance(GRACE + 1)  # the lane's grace since the newest snapshot it could hold is over
    assert door(lockers, 3).state == "free"


def test_an_expired_door_is_to_retrieve_and_also_waits_for_the_lane(office, lockers, clock):
    lane_syncs(office)
    doc = office.create_document(kind="locker", title="KTP-el", actor="staff", door_size="M")
    lockers.assign_door(doc["id"], "bank-a", 4, actor="staff")
    lockers.confirm_loaded(doc["id"], actor="staff", door_closed=True)
    office.mark_ready(doc["id"], actor="staff", expiry_days=1)
    lane_syncs(office)
    clock.advance(2 * 86400)  # the lane's grace has run out too: only the retrieval holds the door
    assert office.expire_due() == 1
    assert door(lockers, 4).state == "to_retrieve"
    lockers.mark_retrieved(doc["id"], actor="staff")
    assert door(lockers, 4).state == "free"  # no lane can still hold a snapshot within its grace


def test_a_lane_that_never_synced_holds_nothing_and_other_lanes_do_not_count(office, lockers, clock):
    office.ensure_locker_bank("bank-b", "lane-2", doors=2)
    lane_syncs(office, "lane-1")  # lane-1 syncs; bank-b belongs to lane-2, which never did
    doc = office.create_document(
        kind="locker", title="x", actor="s", locker_bank="bank-b", door=1, loaded_at=clock()
    )
    office.mark_ready(doc["id"], actor="s")
    office.cancel(doc["id"], "staff")
    assert door(lockers, 1, "bank-b").state == "to_retrieve"
    lockers.mark_retrieved(doc["id"], actor="staff")
    assert door(lockers, 1, "bank-b").state == "free"


def test_mark_retrieved_refuses_what_is_not_waiting_for_staff(office, lockers):
    doc_id = ready_in(office, lockers, 1)
    assert refused_key(lambda: lockers.mark_retrieved(doc_id, actor="staff")) == "document.bad_state"
    reserved = office.create_document(kind="locker", title="x", actor="staff", door_size="M")
    lockers.assign_door(reserved["id"], "bank-a", 2, actor="staff")
    office.cancel(reserved["id"], "staff")  # never loaded: nothing to take out
    assert door(lockers, 2).state == "free"
    assert refused_key(lambda: lockers.mark_retrieved(reserved["id"], actor="staff")) == (
        "document.bad_state"
    )


def test_snapshot_rows_carry_the_load_of_the_pickup_and_of_its_door(office, lockers):
    doc_id = ready_in(office, lockers, 1)
    (row,) = OfficeSync(office).snapshot("lane-1")["pickups"]
    assert row["document_id"] == doc_id
    assert row["load_id"] and row["load_id"] == row["door_load_id"]
