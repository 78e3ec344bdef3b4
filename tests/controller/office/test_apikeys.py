from __future__ import annotations

import pytest
from sqlalchemy import select

from controller.kernel.errors import AmbilError
from controller.office.db.tables import api_keys


def test_create_lookup_revoke(office, engine):
    key = office.create_api_key("lane", lane_id="lane-1", label="Pi lajur 1")
    assert key.startswith("amk_") and len(key) > 40
    found = office.lookup_api_key(key)
    assert found["role"] == "lane" and found["lane_id"] == "lane-1" and found["label"] == "Pi lajur 1"
    with engine.connect() as conn:
        stored = conn.execute(select(api_keys.c.key_hash)).scalars().all()
    assert key not in stored and len(stored) == 1
    assert office.lookup_api_key(key + "x") is None
    assert office.lookup_api_key("nonsense") is None
    assert office.revoke_api_key(found["id"]) is True
    assert office.revoke_api_key(found["id"]) is False
    assert office.lookup_api_key(key) is None
    assert office.verify_audit().ok


def test_roles_validated(office):
    assert office.lookup_api_key(office.create_api_key("agency", label="Disdukcapil"))["role"] == "agency"
    for role, lane in [("root", None), ("lane", None)]:
        with pytest.raises(AmbilError) as err:
            office.create_api_key(role, lane_id=lane)
        assert err.value.key == "request.invalid"
