"""The lane sync API over real HTTP: a lane fetches its snapshot and confirms it stored it, which
is what lets the office free a door staff emptied (``POST /api/v1/sync/held``)."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from controller.lane.link.http import HttpOfficeLink
from controller.office.db.tables import lane_sync
from tests.rigs.server import LiveServer


def test_a_remote_lane_confirms_the_snapshot_it_holds(build):
    system = build()
    system.lockers.create_lane("lane-far", "Jauh", actor="test")
    system.lockers.save_bank("F", "lane-far", 2, actor="test")
    key = system.office.create_api_key("lane", lane_id="lane-far")
    doc = system.office.create_document(
        kind="locker", title="STNK", actor="test", locker_bank="F", door=1, loaded_at=1.0
    )
    system.office.mark_ready(doc["id"], "test")
    with LiveServer(system) as server:
        link = HttpOfficeLink(server.url, key)
        try:
            snap = link.fetch_snapshot()
            (row,) = snap["pickups"]
            assert row["load_id"] == row["door_load_id"] == f"{doc['id']}@1.000000"
            link.acknowledge(snapshot_time=snap["office_time"] + 3600, grace_seconds=600)
        finally:
            link.close()
        bad = httpx.post(
            f"{server.url}/api/v1/sync/held",
            json={"snapshot_time": 1.0, "grace_seconds": -1},
            headers={"Authorization": f"Bearer {key}"},
        )
        assert bad.status_code == 422
    with system.engine.connect() as conn:
        held = conn.execute(select(lane_sync).where(lane_sync.c.lane_id == "lane-far")).one()
    # a lane cannot claim to hold a snapshot newer than the newest it was served
    assert held.held_at == held.served_at == snap["office_time"] and held.grace_seconds == 600
