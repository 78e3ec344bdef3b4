"""The admin pages over real HTTP: users, lanes and banks, document kinds, API keys."""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest

from tests.rigs.server import LiveServer
from tests.web.helpers import browser, login, post_form

PASSWORD = "kata-sandi-rahasia"


@pytest.fixture
def site(build):
    system = build()
    system.accounts.create_user("admin", PASSWORD, "admin")
    system.accounts.create_user("siti", PASSWORD, "staff")
    with LiveServer(system) as server:
        yield server


@contextmanager
def admin(site):
    with browser(site.url) as web:
        assert login(web, "admin", PASSWORD).status_code == 303
        yield web


def test_only_admins_open_admin_pages(site):
    with browser(site.url) as web:
        login(web, "siti", PASSWORD)
        for path in ("/admin", "/admin/users", "/admin/lanes", "/admin/kinds", "/admin/keys"):
            assert web.get(path).status_code == 403
    with admin(site) as web:
        for path in ("/admin", "/admin/users", "/admin/lanes", "/admin/kinds", "/admin/keys"):
            page = web.get(path)
            assert page.status_code == 200 and 'id="admin-nav"' in page.text


def test_admin_creates_a_user_who_can_log_in_then_disables_and_resets(site):
    accounts = site.system.accounts
    with admin(site) as web:
        data = {
            "username": "budi",
            "display_name": "Budi",
            "role": "technician",
            "language": "en",
            "password": "short",
        }
        refused = post_form(web, "/admin/users", "/admin/users", data)
        assert refused.status_code == 422 and "minimal 10 karakter" in refused.text
        data["password"] = "budi-password-1"
        created = post_form(web, "/admin/users", "/admin/users", data)
        assert (
            created.status_code == 303 and created.headers["location"] == "/admin/users?ok=admin.user_created"
        )
        budi = next(u for u in accounts.list_users() if u.username == "budi")
        assert (budi.role, budi.language) == ("technician", "en")
        with browser(site.url) as other:
            assert login(other, "budi", "budi-password-1").headers["location"] == "/staff/reports"

        changed = post_form(
            web, "/admin/users", f"/admin/users/{budi.id}", {"action": "role", "role": "staff"}
        )
        assert changed.status_code == 303 and accounts.get_user(budi.id).role == "staff"
        post_form(web, "/admin/users", f"/admin/users/{budi.id}", {"action": "disable"})
        assert accounts.get_user(budi.id).active is False
        with browser(site.url) as other:
            assert login(other, "budi", "budi-password-1").status_code != 303
        post_form(web, "/admin/users", f"/admin/users/{budi.id}", {"action": "enable"})
        post_form(
            web,
            "/admin/users",
            f"/admin/users/{budi.id}",
            {"action": "password", "password": "new-password-22"},
        )
        with browser(site.url) as other:
            assert login(other, "budi", "new-password-22").status_code == 303
        me = next(u for u in accounts.list_users() if u.username == "admin")
        refused = post_form(web, "/admin/users", f"/admin/users/{me.id}", {"action": "disable"})
        assert refused.status_code == 403 and accounts.get_user(me.id).active


def test_admin_creates_a_lane_a_bank_and_sets_door_sizes(site):
    lockers = site.system.lockers
    with admin(site) as web:
        done = post_form(
            web,
            "/admin/lanes",
            "/admin/lanes",
            {"lane_id": "lane-2", "name": "Lajur 2", "url": "http://10.1.1.2:8080"},
        )
        assert done.status_code == 303
        done = post_form(
            web, "/admin/lanes", "/admin/banks", {"bank_id": "B", "lane_id": "lane-2", "doors": "6"}
        )
        assert done.status_code == 303 and "ok=admin.bank_created" in done.headers["location"]
        done = post_form(
            web,
            "/admin/lanes",
            "/admin/banks/B/doors/2",
            {"size": "L", "out_of_order": "1", "note": "engsel rusak"},
        )
        assert done.status_code == 303
        post_form(web, "/admin/lanes", "/admin/banks/B/doors/5", {"size": "S"})
        page = web.get("/admin/lanes")
        assert 'id="lane-lane-2"' in page.text and 'id="door-B-6"' in page.text
        size_select = re.search(r'id="door-B-2-size"[^>]*>(.*?)</select>', page.text, re.S).group(1)
        assert '<option value="L" selected>' in size_select and 'M" selected' not in size_select
        bad = post_form(
            web, "/admin/lanes", "/admin/banks", {"bank_id": "C", "lane_id": "nope", "doors": "3"}
        )
        assert bad.status_code == 422 and 'id="admin-error"' in bad.text
    doors = lockers.bank("B").doors
    assert [d.size for d in doors] == ["M", "L", "M", "M", "S", "M"]
    assert doors[1].state == "out_of_order" and doors[1].note == "engsel rusak"
    assert lockers.lane_of_bank("B") == "lane-2"
    assert lockers.suggest_door("S", lane_id="lane-2") == ("B", 5)


def test_admin_creates_and_edits_a_document_kind(site):
    kinds = site.system.kinds
    with admin(site) as web:
        done = post_form(
            web,
            "/admin/kinds",
            "/admin/kinds",
            {"name": "Kartu Keluarga", "delivery": "print", "expiry_days": "7", "second_factor": "1"},
        )
        assert done.status_code == 303
        kind = next(k for k in kinds.list() if k.name == "Kartu Keluarga")
        assert (kind.delivery, kind.expiry_days, kind.second_factor, kind.active) == ("print", 7, True, True)
        done = post_form(
            web,
            "/admin/kinds",
            f"/admin/kinds/{kind.id}",
            {"name": "Kartu Keluarga (KK)", "expiry_days": "10"},
        )
        assert done.status_code == 303
        kind = kinds.get(kind.id)
        assert (kind.name, kind.expiry_days, kind.second_factor, kind.active) == (
            "Kartu Keluarga (KK)",
            10,
            False,
            False,
        )
        bad = post_form(
            web, "/admin/kinds", "/admin/kinds", {"name": "X", "delivery": "print", "expiry_days": "999"}
        )
        assert bad.status_code == 422


def test_admin_key_works_once_shown_and_stops_after_revoke(site):
    office = site.system.office
    with admin(site) as web:
        created = post_form(web, "/admin/keys", "/admin/keys", {"role": "staff", "label": "script"})
        assert created.status_code == 200 and created.headers["cache-control"] == "no-store"
        key = re.search(r'id="new-key" value="(amk_[^"]+)"', created.text).group(1)
        with site.client(key) as api:
            assert api.get("/api/v1/documents").status_code == 200
        assert key not in web.get("/admin/keys").text  # shown once, never again
        key_id = office.lookup_api_key(key)["id"]
        revoked = post_form(web, "/admin/keys", f"/admin/keys/{key_id}/revoke")
        assert revoked.status_code == 303 and "ok=admin.key_revoked" in revoked.headers["location"]
        with site.client(key) as api:
            assert api.get("/api/v1/documents").status_code == 401

        agency = post_form(
            web,
            "/admin/keys",
            "/admin/keys",
            {"role": "agency", "label": "Disdukcapil", "webhook_url": "https://example.org/hook"},
        )
        secret = re.search(r'id="new-webhook-secret" value="([0-9a-f]{64})"', agency.text)
        assert secret
        listed = next(k for k in office.list_api_keys() if k["label"] == "Disdukcapil")
        assert listed["webhook_url"] == "https://example.org/hook" and "webhook_secret" not in listed

        no_lane = post_form(web, "/admin/keys", "/admin/keys", {"role": "lane", "lane_id": ""})
        assert no_lane.status_code == 422
        lane_key = post_form(
            web, "/admin/keys", "/admin/keys", {"role": "lane", "lane_id": "lane-1", "label": "pi"}
        )
        assert lane_key.status_code == 200 and 'id="new-key"' in lane_key.text
