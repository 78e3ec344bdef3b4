"""Every error a browser can reach is a page in the person's language; the API answers JSON."""

from __future__ import annotations

import pytest

from tests.rigs.server import LiveServer
from tests.web.helpers import browser, login
from web.i18n import both

PASSWORD = "kata-sandi-yang-panjang"


@pytest.fixture
def site(build):
    system = build()
    system.accounts.create_user("siti", PASSWORD, "staff")
    system.accounts.create_user("sam", PASSWORD, "staff")
    sam = next(u for u in system.accounts.list_users() if u.username == "sam")
    system.accounts.update_user(sam.id, language="en", actor="system")
    with LiveServer(system) as server:
        yield server


def _page_says(response, status: int, key: str, lang: int) -> None:
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"].startswith("text/html")
    assert both(f"error.{key}")[lang] in response.text
    assert '"error"' not in response.text and "http.4" not in response.text  # no raw JSON, no key


def test_reloading_a_post_only_address_is_a_page_not_json(site):
    with browser(site.url) as client:
        login(client, "siti", PASSWORD)
        _page_says(client.get("/staff/documents/1/ready"), 405, "http.method_not_allowed", 0)


def test_an_unknown_page_speaks_the_users_language(site):
    with browser(site.url) as client:
        login(client, "sam", PASSWORD)
        _page_says(client.get("/staff/no-such-page"), 404, "http.not_found", 1)
    with browser(site.url) as anonymous:
        _page_says(anonymous.get("/no-such-page"), 404, "http.not_found", 0)


def test_the_api_still_answers_json(site):
    with browser(site.url) as client:
        response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    body = response.json()
    assert body["error"] == "http.not_found"
    assert (body["message"], body["message_en"]) == both("error.http.not_found")
