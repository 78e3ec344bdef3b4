"""Lanes that join with their hardware (controller/office/lane_join.py): announcements wait for
an admin, acceptance goes through the one bank path, and a bank change never loses a door that
holds an item."""

from __future__ import annotations

import pytest

from controller.kernel.errors import AmbilError
from controller.office.lane_join import LaneJoin
from controller.office.locker_admin import REMOVED_NOTE
from controller.office.lockers import Lockers


@pytest.fixture
def join(office, engine, clock):
    return LaneJoin(engine, clock=clock)


@pytest.fixture
def lockers(office, engine, clock):
    return Lockers(engine, clock=clock)


def bank(bank_id: str, doors: int, **extra) -> dict:
    return {"id": bank_id, "doors": doors, "columns": 2, "location": "di kanan jalur", **extra}


def test_a_new_lane_announces_itself_and_an_admin_accepts_its_banks(join, lockers):
    body = {"name": "Lajur 3", "site": "MPP", "banks": [bank("C", 4, sizes=["S", "M", "M", "L"])]}
    assert join.announce("lane-3", body) == {"state": "announced"}
    names = {lane.id: lane.name for lane in lockers.lanes()}
    assert names["lane-3"] == "Lajur 3"
    with pytest.raises(AmbilError):
        lockers.bank("C")  # not before an admin accepted it
    (pending,) = join.pending()
    assert pending["lane_id"] == "lane-3" and pending["banks"][0]["now"] is None
    assert join.accept("lane-3", actor="user:1") == {"banks": ["C"], "flagged": {}}
    accepted = lockers.bank("C")
    assert accepted.lane_id == "lane-3" and [d.size for d in accepted.doors] == ["S", "M", "M", "L"]
    assert join.pending() == []
    assert join.announce("lane-3", body) == {"state": "accepted"}  # a restart: nothing to do


def test_an_admins_name_survives_announcements_but_a_key_made_lane_takes_the_announced_name(
    office, join, lockers
):
    office.ensure_lane("lane-7")  # `ambil apikey create --lane lane-7`: named by its id
    join.announce("lane-7", {"name": "Lajur Tujuh", "banks": []})
    lockers.rename_lane("lane-2", "Lajur Dua", actor="user:1")
    join.announce("lane-2", {"name": "Lajur 2", "banks": []})
    names = {lane.id: lane.name for lane in lockers.lanes()}
    assert names["lane-7"] == "Lajur Tujuh" and names["lane-2"] == "Lajur Dua"
    with pytest.raises(AmbilError) as err:
        lockers.rename_lane("lane-2", "  ", actor="user:1")
    assert err.value.key == "request.invalid"


def test_a_smaller_bank_keeps_and_flags_a_door_that_holds_an_item(office, join, lockers):
    doc = office.create_document(kind="locker", title="KTP-el", actor="staff", door_size="M")
    lockers.assign_door(doc["id"], "bank-a", 4, actor="staff")
    lockers.confirm_loaded(doc["id"], actor="staff", door_closed=True)
    join.announce("lane-1", {"name": "Lajur 1", "banks": [bank("bank-a", 2)]})
    assert join.accept("lane-1", actor="user:1")["flagged"] == {"bank-a": [4]}
    kept = lockers.bank("bank-a")
    assert [d.door for d in kept.doors] == [1, 2, 3, 4]  # door 4 still holds the item
    door4 = kept.doors[3]
    assert door4.document_id == doc["id"] and door4.out_of_order and door4.note == REMOVED_NOTE
    assert office.get_document(doc["id"])["door"] == 4 and office.get_document(doc["id"])["loaded_at"]


def test_malformed_announcements_are_refused(join):
    for body in (
        {"banks": "A"},
        {"banks": [bank("A", 0)]},
        {"banks": [bank("A", 2), bank("A", 3)]},
        {"banks": [bank("A", 2, sizes=["XL"])]},
        {"banks": [bank("bad id!", 2)]},
    ):
        with pytest.raises(AmbilError) as err:
            join.announce("lane-1", body)
        assert err.value.key == "request.invalid", body
