"""Locker inventory: derived door states, suggestions, the loading rules, retrieval, bank admin."""

from __future__ import annotations

import pytest

from controller.kernel.errors import AmbilError, DocumentError
from controller.office import audit
from controller.office.lockers import Lockers


@pytest.fixture
def lockers(office, engine, clock):
    return Lockers(engine, clock=clock)


def states(lockers, bank="bank-a"):
    return [d.state for d in lockers.bank(bank).doors]


def loaded_doc(office, lockers, door, title="KTP-el"):
    doc = office.create_document(kind="locker", title=title, actor="staff", door_size="M")
    lockers.assign_door(doc["id"], "bank-a", door, actor="staff")
    lockers.confirm_loaded(doc["id"], actor="staff", door_closed=True)
    return doc["id"]


def test_listing_creates_door_rows_and_all_are_free(lockers):
    bank = lockers.bank("bank-a")
    assert [d.door for d in bank.doors] == [1, 2, 3, 4]
    assert {d.size for d in bank.doors} == {"M"}
    assert states(lockers) == ["free"] * 4


def test_door_states_follow_the_document(office, lockers, clock):
    doc = office.create_document(kind="locker", title="KTP-el", actor="staff", door_size="M")
    lockers.assign_door(doc["id"], "bank-a", 2, actor="staff")
    assert states(lockers)[1] == "reserved"
    lockers.confirm_loaded(doc["id"], actor="staff", door_closed=True)
    assert states(lockers)[1] == "loaded"
    issued = office.mark_ready(doc["id"], actor="staff")
    assert states(lockers)[1] == "awaiting"
    grant = office.claim(code_hash=_hash(issued.code), claim_id="c-1", lane_id="lane-1")
    assert grant.door == 2 and states(lockers)[1] == "awaiting"
    office.report(claim_id="c-1", lane_id="lane-1", outcome="released")
    assert states(lockers)[1] == "collected"
    door = lockers.bank("bank-a").doors[1]
    assert door.document_id == doc["id"] and door.title == "KTP-el"
    clock.advance(86400 + 1)
    assert states(lockers)[1] == "free"


def test_expired_item_is_listed_and_retrieval_frees_the_door(office, lockers, clock):
    doc_id = loaded_doc(office, lockers, 3)
    office.mark_ready(doc_id, actor="staff", expiry_days=1)
    clock.advance(2 * 86400)
    assert office.expire_due() == 1
    assert states(lockers)[2] == "to_retrieve"
    assert [(d["id"], d["reason"]) for d in lockers.items_to_retrieve()] == [(doc_id, "expired")]
    lockers.mark_retrieved(doc_id, actor="staff")
    assert states(lockers)[2] == "free"  # no lane ever synced: none holds a snapshot to wait for
    assert lockers.items_to_retrieve() == []
    with pytest.raises(DocumentError) as err:
        lockers.mark_retrieved(doc_id, actor="staff")
    assert err.value.key == "document.bad_state"


def test_out_of_order_door_is_shown_and_never_suggested(office, lockers):
    lockers.set_door("bank-a", 1, size="S", out_of_order=True, note="lock jammed", actor="admin")
    door = lockers.bank("bank-a").doors[0]
    assert (door.state, door.size, door.note) == ("out_of_order", "S", "lock jammed")
    assert lockers.suggest_door("S") == ("bank-a", 2)  # no S left in order: the next size up
    doc = office.create_document(kind="locker", title="x", actor="staff", door_size="M")
    with pytest.raises(DocumentError) as err:
        lockers.assign_door(doc["id"], "bank-a", 1, actor="staff")
    assert err.value.key == "locker.out_of_order"


def test_suggestion_prefers_the_smallest_fitting_free_door(office, lockers):
    lockers.set_door("bank-a", 1, size="L", out_of_order=False, actor="admin")
    lockers.set_door("bank-a", 4, size="S", out_of_order=False, actor="admin")
    assert lockers.suggest_door("S") == ("bank-a", 4)
    assert lockers.suggest_door("M") == ("bank-a", 2)
    assert lockers.suggest_door("L") == ("bank-a", 1)
    assert lockers.suggest_door(None) == ("bank-a", 4)
    loaded_doc(office, lockers, 1)
    assert lockers.suggest_door("L") is None
    assert lockers.suggest_door("L", lane_id="lane-2") is None
    assert lockers.suggest_door("S", lane_id="lane-1") == ("bank-a", 4)


def test_a_door_holds_one_document_and_a_small_door_refuses_a_large_item(office, lockers):
    loaded_doc(office, lockers, 2)
    other = office.create_document(kind="locker", title="Paspor", actor="staff", door_size="L")
    with pytest.raises(DocumentError) as err:
        lockers.assign_door(other["id"], "bank-a", 2, actor="staff")
    assert err.value.key == "locker.door_taken"
    with pytest.raises(DocumentError) as err:
        lockers.assign_door(other["id"], "bank-a", 3, actor="staff")
    assert err.value.key == "locker.too_small"
    assert lockers.suggest_door("L") is None


def test_reassigning_moves_the_reservation_and_same_door_is_allowed(office, lockers):
    doc = office.create_document(kind="locker", title="STNK", actor="staff", door_size="M")
    assert lockers.assign_door(doc["id"], "bank-a", 1, actor="staff") == "lane-1"
    assert lockers.assign_door(doc["id"], "bank-a", 1, actor="staff") == "lane-1"  # open again
    lockers.assign_door(doc["id"], "bank-a", 3, actor="staff")
    assert states(lockers) == ["free", "free", "reserved", "free"]
    actions = [h["action"] for h in office.get_document(doc["id"])["history"]]
    assert actions.count("locker.door_assigned") == 2


def test_mark_ready_refuses_until_loaded_and_confirm_needs_a_closed_door(office, lockers):
    doc = office.create_document(kind="locker", title="KTP-el", actor="staff", door_size="M")
    lockers.assign_door(doc["id"], "bank-a", 4, actor="staff")
    with pytest.raises(DocumentError) as err:
        office.mark_ready(doc["id"], actor="staff")
    assert err.value.key == "locker.not_loaded"
    with pytest.raises(DocumentError) as err:
        lockers.confirm_loaded(doc["id"], actor="staff", door_closed=False)
    assert err.value.key == "locker.door_open"
    described = lockers.confirm_loaded(doc["id"], actor="staff", door_closed=None)
    assert described["loaded_at"] is not None
    loaded = [h for h in described["history"] if h["action"] == "locker.loaded"]
    assert loaded and loaded[0]["detail"]["sensor"] == "unchecked"
    assert office.mark_ready(doc["id"], actor="staff").code.startswith("AMB1")
    with pytest.raises(DocumentError):
        lockers.assign_door(doc["id"], "bank-a", 1, actor="staff")  # no longer a draft


def test_confirm_without_a_door_is_refused(office, lockers):
    doc = office.create_document(kind="locker", title="KTP-el", actor="staff", door_size="M")
    with pytest.raises(DocumentError) as err:
        lockers.confirm_loaded(doc["id"], actor="staff", door_closed=True)
    assert err.value.key == "locker.unknown_door"
    assert [d["id"] for d in lockers.awaiting_load()] == [doc["id"]]


def test_lanes_and_banks_admin_is_audited(office, lockers, engine):
    lockers.create_lane("lane-9", "Lajur 9", url="http://10.0.0.9:8080", actor="user:1")
    with pytest.raises(AmbilError):
        lockers.create_lane("lane-9", "again", actor="user:1")
    with pytest.raises(AmbilError):
        lockers.create_lane("bad id!", "x", actor="user:1")
    assert lockers.save_bank("B", "lane-9", 6, actor="user:1") == "created"
    assert [d.door for d in lockers.bank("B").doors] == [1, 2, 3, 4, 5, 6]
    assert lockers.lane_of_bank("B") == "lane-9"
    lane = next(row for row in lockers.lanes() if row.id == "lane-9")
    assert lane.url == "http://10.0.0.9:8080" and lane.banks == [("B", 6)]
    loaded_doc(office, lockers, 4)
    with pytest.raises(DocumentError) as err:
        lockers.save_bank("bank-a", "lane-1", 3, actor="user:1")  # door 4 still holds an item
    assert err.value.key == "locker.door_taken"
    assert lockers.save_bank("B", "lane-9", 3, actor="user:1") == "updated"
    assert len(lockers.bank("B").doors) == 3
    with engine.connect() as conn:
        actions = [r["action"] for r in audit.history(conn, "locker_bank:B")]
        assert "locker_bank.created" in actions and "locker_bank.updated" in actions
        assert audit.verify(conn).ok


def _hash(code):
    from controller.kernel.codes import code_hash

    return code_hash(code)
