"""Lanes, banks and API keys are made through one path each, with one set of rules, whether the
admin page or the config at start asks (the config's path skipped the admin page's checks)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from controller.kernel.errors import AmbilError, DocumentError
from controller.office.db.tables import locker_doors
from controller.office.lockers import Lockers


def door_rows(engine, bank_id):
    with engine.connect() as conn:
        return list(
            conn.execute(select(locker_doors.c.door).where(locker_doors.c.bank_id == bank_id)).scalars()
        )


def test_a_bank_from_the_config_gets_its_door_rows(office, engine):
    office.ensure_locker_bank("bank-b", "lane-2", doors=3)
    assert sorted(door_rows(engine, "bank-b")) == [1, 2, 3]  # ensure_locker_bank made none


def test_the_config_cannot_shrink_a_bank_below_a_loaded_door(office, engine, clock):
    lockers = Lockers(engine, clock=clock)
    doc = office.create_document(kind="locker", title="KTP-el", actor="staff", door_size="M")
    lockers.assign_door(doc["id"], "bank-a", 4, actor="staff")
    lockers.confirm_loaded(doc["id"], actor="staff", door_closed=True)
    with pytest.raises(DocumentError) as refused:
        office.ensure_locker_bank("bank-a", "lane-1", doors=2)  # the item behind door 4 would vanish
    assert refused.value.key == "locker.door_taken"
    with pytest.raises(DocumentError):
        lockers.save_bank("bank-a", "lane-1", 2, actor="admin")  # the admin page's rule, the same


@pytest.mark.parametrize(
    ("bank_id", "lane_id", "doors"),
    [
        ("bad id!", "lane-1", 4),
        ("bank-c", "no-such-lane", 4),
        ("bank-c", "lane-1", True),
        ("bank-c", "lane-1", 0),
    ],
)
def test_the_config_path_checks_what_the_admin_page_checks(office, bank_id, lane_id, doors):
    with pytest.raises(AmbilError) as refused:
        office.ensure_locker_bank(bank_id, lane_id, doors)
    assert refused.value.key == "request.invalid"


def test_a_lane_id_follows_one_rule(office):
    with pytest.raises(AmbilError):
        office.ensure_lane("lane with spaces")


def test_both_key_creators_store_the_same_thing(office):
    office.create_api_key("agency", lane_id="", label="a")
    office.issue_api_key("agency", lane_id="", label="b")
    rows = {row["label"]: row for row in office.list_api_keys()}
    assert rows["a"]["lane_id"] is None and rows["b"]["lane_id"] is None  # create_api_key kept ""
    with pytest.raises(AmbilError):
        office.create_api_key("lane")  # a lane key names its lane, on both paths
