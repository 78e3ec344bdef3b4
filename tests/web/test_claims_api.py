"""The lane protocol over real HTTP with two lane keys (DESIGN 5, "the lane that claimed is the
lane that acts"): claim retries, PDF fetches, reports and offline reports are accepted only from
the lane that made the claim or owns the locker; the grant names the pickup's code hash."""

from __future__ import annotations

import time

import pytest

from controller.kernel.codes import code_hash
from controller.lane.link.http import HttpOfficeLink
from tests.conftest import make_pdf
from tests.rigs.server import LiveServer


@pytest.fixture
def site(build):
    system = build(role="office")
    office = system.office
    for lane_id in ("lane-1", "lane-2"):
        office.ensure_lane(lane_id)
    office.ensure_locker_bank("A", "lane-1", doors=4)
    with LiveServer(system) as server:
        server.keys = {
            lane_id: office.create_api_key("lane", lane_id=lane_id) for lane_id in ("lane-1", "lane-2")
        }
        yield server


def _print_pickup(office):
    doc = office.create_document(kind="print", title="Akta", pdf=make_pdf(1), actor="test")
    return doc["id"], office.mark_ready(doc["id"], "test")


def test_a_second_lane_gets_neither_the_grant_nor_the_pdf_of_a_live_claim(site):
    office = site.system.office
    doc_id, issued = _print_pickup(office)
    body = {"code_hash": code_hash(issued.code), "claim_id": "claim-of-lane-1"}
    with site.client(site.keys["lane-1"]) as lane1, site.client(site.keys["lane-2"]) as lane2:
        granted = lane1.post("/api/v1/claims", json=body)
        assert granted.status_code == 200, granted.text
        assert lane1.post("/api/v1/claims", json=body).json() == granted.json()  # its own retry
        stolen = lane2.post("/api/v1/claims", json=body)  # the same claim id and code hash
        assert stolen.status_code == 409 and stolen.json()["error"] == "claim.conflict"
        assert "pdf_sha256" not in stolen.json()
        pdf = lane2.get("/api/v1/claims/claim-of-lane-1/pdf")
        assert pdf.status_code == 403 and pdf.json()["error"] == "auth.forbidden"
        assert pdf.content[:4] != b"%PDF"
        report = lane2.post("/api/v1/claims/claim-of-lane-1/report", json={"outcome": "failed"})
        assert report.status_code == 403
        own = lane1.get("/api/v1/claims/claim-of-lane-1/pdf")
        assert own.status_code == 200 and own.content.startswith(b"%PDF")
        done = lane1.post("/api/v1/claims/claim-of-lane-1/report", json={"outcome": "released"})
        assert done.status_code == 200
    assert office.get_document(doc_id)["state"] == "released"
    history = office.get_document(doc_id)["history"]
    refused = [h for h in history if h["action"] == "pickup.claim_refused"]
    assert [h["actor"] for h in refused] == ["lane:lane-2"]


def test_the_grant_carries_the_pickups_code_hash_over_http(site):
    office = site.system.office
    _, issued = _print_pickup(office)
    client = HttpOfficeLink(site.url, site.keys["lane-1"])
    try:
        grant = client.claim_short(short_code=issued.short_code, claim_id="short-claim-1")
    finally:
        client.close()
    assert grant.code_hash == code_hash(issued.code)


def test_a_lane_cannot_freeze_another_lanes_pickup_with_a_bogus_offline_report(site):
    office = site.system.office
    doc = office.create_document(
        kind="locker", title="KTP-el", locker_bank="A", door=1, actor="test", loaded_at=time.time()
    )
    issued = office.mark_ready(doc["id"], "test")
    bogus = {
        "claim_id": "bogus-offline-1",
        "code_hash": code_hash(issued.code),
        "outcome": "released",
        "detail": "door opened",
        "released_at": time.time(),
    }
    with site.client(site.keys["lane-2"]) as lane2:
        answer = lane2.post("/api/v1/sync/offline-releases", json={"releases": [bogus]})
    assert answer.status_code == 200
    assert answer.json()["results"] == [
        {"claim_id": "bogus-offline-1", "result": "refused", "detail": "auth.forbidden"}
    ]
    described = office.get_document(doc["id"])
    assert described["state"] == "ready" and described["pickup"]["state"] == "ready"
    assert described["history"][-1]["action"] == "offline.refused"
    with site.client(site.keys["lane-1"]) as lane1:
        own = lane1.post(
            "/api/v1/sync/offline-releases", json={"releases": [{**bogus, "claim_id": "real-offline-1"}]}
        )
    assert own.json()["results"][0]["result"] == "applied"
    assert office.get_document(doc["id"])["state"] == "released"
