"""The agency API over real HTTP: idempotent pushes (10 retries, 10 concurrent), the code once,
read-back scoped to the agency, who may call it, and the signed webhook when a lane releases."""

from __future__ import annotations

import threading

import pytest

from controller.office.agency import AgencyDocuments
from controller.office.notify import verify_signature
from tests.conftest import make_pdf
from tests.rigs.server import LiveServer
from tests.rigs.wait import wait_for
from tests.rigs.webhook_receiver import WebhookReceiver

PUSH = "/api/v1/agency/documents"


@pytest.fixture
def site(build):
    system = build()
    system.notifications.config.retry_seconds = 0.05  # fast retries for the webhook test
    with LiveServer(system) as server:
        yield server


def _agency_key(system, label="disdukcapil") -> tuple[str, int]:
    key = system.office.create_api_key("agency", label=label)
    return key, system.office.lookup_api_key(key)["id"]


def _push(client, reference="SKCK-2025-0001", idem=None, **fields):
    headers = {"Idempotency-Key": idem} if idem else {}
    data = {"title": "SKCK", "reference": reference, "citizen_email": "ani@example.id", **fields}
    files = {"file": ("skck.pdf", make_pdf(1), "application/pdf")}
    return client.post(PUSH, data=data, files=files, headers=headers)


def test_push_retried_ten_times_with_same_key_makes_one_document(site):
    key, _ = _agency_key(site.system)
    with site.client(key) as api:
        answers = [_push(api, idem="push-7f3a") for _ in range(10)]
    assert [a.status_code for a in answers] == [201] + [200] * 9
    bodies = [a.json() for a in answers]
    assert len({b["document_id"] for b in bodies}) == 1
    assert bodies[0]["code"].startswith("AMB1") and bodies[0]["code_delivered_before"] is False
    assert bodies[0]["citizen_url"].endswith("/p/" + bodies[0]["code"])
    for body in bodies[1:]:
        assert "code" not in body and "short_code" not in body
        assert body["code_delivered_before"] is True and body["state"] == "ready"
    assert len(site.system.office.list_documents()) == 1
    assert wait_for(lambda: site.system.notifications.history(bodies[0]["document_id"]), what="notification")


def test_same_reference_from_ten_concurrent_clients_makes_one_document(site):
    key, _ = _agency_key(site.system)
    answers, gate = [], threading.Barrier(10)

    def push():
        with site.client(key) as api:
            gate.wait()
            answers.append(_push(api, reference="AKTA/2025/77"))

    threads = [threading.Thread(target=push) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(a.status_code for a in answers) == [200] * 9 + [201]
    assert len({a.json()["document_id"] for a in answers}) == 1
    assert sum("code" in a.json() for a in answers) == 1
    assert len(site.system.office.list_documents()) == 1


def test_read_back_only_own_documents(site):
    key, _ = _agency_key(site.system)
    other, _ = _agency_key(site.system, "imigrasi")
    with site.client(key) as api:
        pushed = _push(api, reference="REF-1").json()
        mine = api.get(f"{PUSH}/REF-1")
        assert mine.status_code == 200
        assert mine.json()["document_id"] == pushed["document_id"]
        assert mine.json()["state"] == "ready" and mine.json()["pickup"]["state"] == "ready"
        assert "citizen_email" not in mine.json() and "code" not in mine.json()
        assert api.get(f"{PUSH}/NOPE").status_code == 404
    with site.client(other) as api:
        assert api.get(f"{PUSH}/REF-1").json()["error"] == "document.not_found"


def test_only_agency_keys_may_push(site):
    staff = site.system.office.create_api_key("staff")
    lane = site.system.office.create_api_key("lane", lane_id="lane-1")
    with site.client() as anonymous:
        assert _push(anonymous).status_code == 401
    for key in (staff, lane):
        with site.client(key) as api:
            assert _push(api).status_code == 403
            assert api.get(f"{PUSH}/SKCK-2025-0001").status_code == 403
    assert site.system.office.list_documents() == []


def test_bad_pushes_say_why(site):
    key, _ = _agency_key(site.system)
    with site.client(key) as api:
        missing = api.post(PUSH, data={"title": "x"})
        assert missing.status_code == 422 and "reference" in missing.json()["detail"]
        not_pdf = api.post(
            PUSH,
            data={"title": "x", "reference": "R"},
            files={"file": ("x.pdf", b"hello", "application/pdf")},
        )
        assert not_pdf.status_code == 415 and not_pdf.json()["error"] == "upload.not_pdf"
        _push(api, reference="A", idem="same")
        conflict = _push(api, reference="B", idem="same")
        assert conflict.status_code == 409 and conflict.json()["error"] == "agency.conflict"


def test_release_at_the_lane_fires_one_signed_webhook(site):
    key, key_id = _agency_key(site.system)
    system = site.system
    with WebhookReceiver(fail_first=1) as hook:
        secret = AgencyDocuments(system.engine, system.office, system.kinds).set_webhook(
            key_id, hook.url, actor="admin"
        )
        with site.client(key) as api:
            pushed = _push(api, reference="PASPOR-1").json()
        with site.client() as local:  # the lane Pi itself: the simulated scanner reads the QR
            assert local.post("/api/v1/lane/scan", json={"text": pushed["code"]}).status_code < 300
        hits = hook.wait(2, timeout=20)
        assert system.notifications.wait_idle()
    assert [h.status for h in hits] == [503, 200]
    body = hits[-1].json()
    assert body == {
        "event": "document.released",
        "reference": "PASPOR-1",
        "document_id": pushed["document_id"],
        "state": "released",
        "at": body["at"],
    }
    assert verify_signature(secret, hits[-1].body, hits[-1].headers["X-Ambil-Signature"])
    with site.client(key) as api:
        assert api.get(f"{PUSH}/PASPOR-1").json()["state"] == "released"


def test_an_unknown_push_field_is_refused(site):
    key, _ = _agency_key(site.system)
    with site.client(key) as api:
        response = _push(api, reference="R-unknown", phone="0812")  # the field is citizen_phone
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "request.invalid"
    assert "phone" in response.json()["detail"]
