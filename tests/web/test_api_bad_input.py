"""Bad input at the API gets a clear, typed error in both languages, never a 500."""

from __future__ import annotations

import pytest

from tests.conftest import make_pdf
from tests.rigs.server import LiveServer
from tests.web.helpers import browser, csrf_from, login


@pytest.fixture
def api(build):
    system = build(printer={"type": "sim", "seconds_per_page": 0.01})
    system.config.office.max_upload_mb = 0.05  # 50 KiB: small enough to overflow in a test
    key = system.office.create_api_key("staff")
    with LiveServer(system) as server, server.client(key) as client:
        client.anonymous = server.client()
        client.system = system
        client.server = server
        yield client


def upload(api, data: bytes, name="x.pdf", **fields):
    form = {"kind": "print", "title": "Dokumen", **fields}
    return api.post("/api/v1/documents", data=form, files={"file": (name, data, "application/pdf")})


def assert_error(response, status: int, key: str):
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == key
    assert body["message"] and body["message_en"]  # Bahasa Indonesia and English


def test_a_renamed_non_pdf_is_refused(api):
    assert_error(upload(api, b"\x89PNG\r\n\x1a\n" + b"0" * 100, name="scan.pdf"), 415, "upload.not_pdf")


def test_an_empty_file_is_refused(api):
    assert_error(upload(api, b""), 422, "upload.empty")


def test_an_oversized_pdf_is_refused_and_the_error_names_the_limit(api):
    big = make_pdf(1) + b"%" + b"x" * 60_000
    response = upload(api, big)
    assert_error(response, 413, "upload.too_large")
    body = response.json()
    assert body["limit_mb"] == 0.05  # office.max_upload_mb of this site
    assert "lebih dari 0.05 MB" in body["message"] and "larger than 0.05 MB" in body["message_en"]


def test_at_the_default_limit_the_staff_page_and_the_api_say_10_mb(build):
    system = build()
    assert system.config.office.max_upload_mb == 10
    system.accounts.create_user("siti", "kata-sandi-rahasia", "staff")
    kind_id = next(k.id for k in system.kinds.list(active_only=True) if k.delivery == "print")
    big = make_pdf(1) + b"%" + b"x" * int(10.2 * 2**20)  # over 10 MB, under the body limit (11 MB)
    key = system.office.create_api_key("staff")
    with LiveServer(system) as server, server.client(key) as api, browser(server.url) as web:
        refused = upload(api, big)
        assert_error(refused, 413, "upload.too_large")
        assert refused.json()["limit_mb"] == 10 and "lebih dari 10 MB" in refused.json()["message"]
        login(web, "siti", "kata-sandi-rahasia")
        token = csrf_from(web.get("/staff/documents/new").text)
        page = web.post(
            "/staff/documents",
            data={"kind_id": str(kind_id), "title": "Akta", "csrf_token": token},
            files={"file": ("akta.pdf", big, "application/pdf")},
        )
        assert page.status_code == 413 and "Berkas lebih dari 10 MB" in page.text


def test_missing_fields_are_named(api):
    response = api.post("/api/v1/documents", data={"kind": "print"})
    assert_error(response, 422, "request.invalid")
    assert "title" in response.json()["detail"]


def test_an_unknown_kind_is_refused(api):
    assert_error(upload(api, make_pdf(1), kind="parcel"), 422, "request.invalid")


def test_a_locker_door_that_does_not_exist(api):
    response = api.post(
        "/api/v1/documents", data={"kind": "locker", "title": "KTP", "locker_bank": "A", "door": "99"}
    )
    assert_error(response, 422, "locker.unknown_door")


def test_ready_on_unknown_document(api):
    assert_error(api.post("/api/v1/documents/424242/ready"), 404, "document.not_found")


def test_a_garbage_qr_text_is_refused_on_the_lane(api):
    from tests.rigs.screen_log import ScreenLog

    shown = ScreenLog(api.system.lane.screen)  # the refusal shows 0.3 s: polling could miss it
    api.post("/api/v1/lane/scan", json={"text": "'; DROP TABLE pickups; --"})
    shown.wait(state="refused", reason="code.malformed")


def test_a_garbage_code_in_the_qr_url_is_refused(api):
    assert_error(api.get("/api/v1/qr/NOT-A-CODE.png"), 400, "code.malformed")


def test_no_key_and_wrong_role(api):
    assert_error(
        api.anonymous.post("/api/v1/documents", data={"kind": "print", "title": "x"}), 401, "auth.missing"
    )
    claim = {"code_hash": "0" * 64, "claim_id": "abcdef0123"}
    assert_error(api.post("/api/v1/claims", json=claim), 403, "auth.forbidden")  # staff is not a lane


def test_health_and_readiness(api):
    assert api.anonymous.get("/healthz").json() == {"status": "ok"}
    ready = api.anonymous.get("/readyz")
    assert ready.status_code == 200 and ready.json()["ready"] is True
    assert api.anonymous.get("/openapi.json").json()["info"]["title"] == "ambil"


def test_every_upload_route_keeps_the_one_limit(api):
    # documents, a draft's PDF and the agency push read uploads through web/uploads.py
    big = make_pdf(1) + b"%" + b"x" * 60_000
    draft = api.post("/api/v1/documents", data={"kind": "print", "title": "Draf"})
    assert draft.status_code == 201, draft.text
    attach = api.post(f"/api/v1/documents/{draft.json()['id']}/pdf", files={"file": ("x.pdf", big)})
    assert_error(attach, 413, "upload.too_large")
    agency_key = api.system.office.create_api_key("agency")
    with api.anonymous as anonymous:
        pushed = anonymous.post(
            "/api/v1/agency/documents",
            data={"title": "Dokumen", "reference": "R-1"},
            files={"file": ("x.pdf", big, "application/pdf")},
            headers={"Authorization": f"Bearer {agency_key}"},
        )
    assert_error(pushed, 413, "upload.too_large")


def test_an_unknown_field_is_refused_not_dropped(api):
    response = upload(api, make_pdf(1), kind_idd="3")  # a misspelt field once vanished silently
    assert_error(response, 422, "request.invalid")
    assert "kind_idd" in response.json()["detail"]


def test_the_api_honours_kind_id_so_its_pin_rule_applies(api):
    kind = api.system.kinds.create("Paspor", "print", second_factor=True, actor="admin")
    created = upload(api, make_pdf(1), kind_id=str(kind.id), citizen_phone="+62 812 0000 1111")
    assert created.status_code == 201, created.text
    assert created.json()["kind_id"] == kind.id
    issued = api.post(f"/api/v1/documents/{created.json()['id']}/ready")
    assert issued.status_code == 200, issued.text
    assert issued.json().get("pin"), issued.json()  # the kind asks for a second factor


def test_a_kind_id_that_does_not_exist_is_refused(api):
    response = upload(api, make_pdf(1), kind_id="9999")
    assert response.status_code in (404, 422), response.text
    assert response.json()["error"].startswith(("document.", "kind."))


def test_an_unknown_json_key_is_refused(api):
    lane_key = api.system.office.create_api_key("lane", lane_id=api.system.config.lane.id)
    with api.server.client(lane_key) as client:
        response = client.post("/api/v1/claims", json={"code_hash": "0" * 64, "claim_id": "c1", "pinn": "1"})
    assert_error(response, 422, "request.invalid")
    assert "pinn" in response.json()["detail"]
