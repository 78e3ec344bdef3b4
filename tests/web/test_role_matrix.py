"""The access policy, as a table test: every route of the app, tried as each of six principals
(anonymous, staff, technician, admin, a lane key, an agency key), must be let through or refused
exactly as the policy table in README.md says. The table and the app must list the same routes.
Also: every page form POST without a valid CSRF token is refused.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from starlette.routing import Mount

from tests.conftest import make_pdf
from tests.rigs.server import LiveServer
from tests.web.helpers import csrf_from

README = Path(__file__).resolve().parents[2] / "README.md"
PRINCIPALS = ("anonymous", "staff", "technician", "admin", "lane", "agency")
PASSWORD = "matrix-password-123"


def policy_table() -> dict[tuple[str, str], dict[str, bool]]:
    section = README.read_text().split("## Access policy", 1)[1].split("\n## ", 1)[0]
    table = {}
    for line in section.splitlines():
        match = re.match(r"^\| (GET|POST|PUT|PATCH|DELETE) \| `([^`]+)`[^|]*\|(.*)\|\s*$", line)
        if match:
            marks = [cell.strip() for cell in match.group(3).split("|")]
            assert len(marks) == 6 and set(marks) <= {"✓", "—"}, line
            table[(match.group(1), match.group(2))] = dict(
                zip(PRINCIPALS, [m == "✓" for m in marks], strict=True)
            )
    return table


def app_routes(app) -> set[tuple[str, str]]:
    found = set()
    for route in app.routes:
        if isinstance(route, Mount):
            continue
        contexts = route.effective_route_contexts() if hasattr(route, "effective_route_contexts") else [route]
        for context in contexts:
            for method in context.methods or ():
                if method != "HEAD":
                    found.add((method, context.path))
    return found


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from tests.conftest import lane_config
    from web.app import build_system

    config = lane_config(tmp_path_factory.mktemp("matrix") / "state")
    config.lane.trust_loopback = False  # judge the lane endpoints by role, not by address
    system = build_system(config)
    office, accounts = system.office, system.accounts
    for role in ("staff", "technician", "admin"):
        accounts.create_user(role, PASSWORD, role)
    throwaway = accounts.create_user("spare", PASSWORD, "staff")
    keys = {
        "lane": office.create_api_key("lane", lane_id="lane-1"),
        "agency": office.create_api_key("agency"),
    }
    spare_key = office.issue_api_key("staff", label="spare", actor="test")
    doc = office.create_document(kind="print", title="Matrix", pdf=make_pdf(1), actor="test")
    issued = office.mark_ready(
        office.create_document(kind="print", title="Code", pdf=make_pdf(1), actor="test")["id"], "test"
    )
    values = {
        "doc_id": doc["id"],
        "code": issued.code,
        "claim_id": "abcdef012345",
        "ref": "REF-1",
        "user_id": throwaway.id,
        "bank_id": "A",
        "door": 1,
        "kind_id": 1,
        "key_id": spare_key["id"],
        "lane_id": "lane-1",
        "alert_id": 1,
        "command_id": 1,
    }
    with LiveServer(system) as server:
        yield server, keys, values


def client_for(server, principal: str, keys) -> httpx.Client:
    client = httpx.Client(base_url=server.url, follow_redirects=False, timeout=30)
    if principal in ("lane", "agency"):
        client.headers["Authorization"] = f"Bearer {keys[principal]}"
    token = csrf_from(client.get("/login").text)  # every client holds a CSRF cookie and token
    client.headers["X-CSRF-Token"] = token
    client.csrf = token
    if principal in ("staff", "technician", "admin"):
        response = client.post(
            "/login", data={"username": principal, "password": PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 303, response.text
    return client


def body_for(method: str, path: str, values: dict, csrf: str) -> dict:
    """A plausible request body, so an admitted request gets past validation to real work."""
    if method != "POST":
        return {}
    if path.startswith("/api/v1/lane/scan/image"):
        return {"files": {"file": ("x.png", b"not an image", "image/png")}}
    json_bodies = {
        "/api/v1/claims": {"code_hash": "0" * 64, "claim_id": values["claim_id"]},
        "/api/v1/claims/short": {"short_code": "0123456789", "claim_id": values["claim_id"]},
        "/api/v1/claims/{claim_id}/report": {"outcome": "abandoned"},
        "/api/v1/ratings": {"score": 5},
        "/api/v1/lane/scan": {"text": "hello"},
        "/api/v1/lane/short-code": {"digits": "0123456789"},
        "/api/v1/lane/pin": {"digits": "1234"},
        "/api/v1/lane/rating": {"score": 4},
        "/api/v1/lane/selftest": {"test": "frame"},
        "/api/v1/lanes/{lane_id}/heartbeat": {"lane_id": "lane-1", "state": "ready", "devices": {}},
        "/api/v1/lane-announcements": {"name": "Lajur 1", "banks": [{"id": "A", "doors": 4}]},
        "/api/v1/lane-commands/{command_id}/result": {"outcome": "ok"},
        "/api/v1/lane-selftests": {"test": "frame", "outcome": "ok"},
    }
    if path in json_bodies:
        return {"json": json_bodies[path]}
    if path == "/api/v1/documents" or path == "/api/v1/agency/documents":
        return {
            "data": {"kind": "print", "title": "Matrix", "reference": "REF-1"},
            "files": {"file": ("m.pdf", make_pdf(1), "application/pdf")},
        }
    if path.endswith("/pdf"):
        return {"files": {"file": ("m.pdf", make_pdf(1), "application/pdf")}, "data": {"csrf_token": csrf}}
    forms = {
        "/login": {"username": "spare", "password": PASSWORD},
        "/account/password": {"current": PASSWORD, "new": PASSWORD, "repeat": PASSWORD},
        "/account/language": {"language": "id"},
        "/staff/documents": {"kind_id": "1", "title": "Matrix"},
    }
    return {"data": {**forms.get(path, {}), "csrf_token": csrf}}


def admitted(response: httpx.Response) -> bool:
    """Refused: 401, 403, or sent to log in first (a redirect to /login?next=...)."""
    if response.status_code in (401, 403):
        return False
    location = response.headers.get("location", "")
    return not (response.is_redirect and location.startswith("/login?next="))


def test_the_table_lists_exactly_the_app_routes(site):
    server, _, _ = site
    routes = app_routes(server.system_app) if hasattr(server, "system_app") else None
    from web.app import create_app

    routes = app_routes(create_app(server.system, manage_lifecycle=False))
    table = set(policy_table())
    assert routes - table == set(), "routes missing from the README policy table"
    assert table - routes == set(), "README policy rows with no route"


def test_every_route_as_every_principal(site):
    server, keys, values = site
    table = policy_table()
    clients = {p: client_for(server, p, keys) for p in PRINCIPALS}
    wrong = []
    # logging out ends the session the later rows need: do it last
    order = sorted(table, key=lambda row: row[1] == "/logout")
    for method, path in order:
        url = path.format(**values) if "{" in path else path
        if path == "/api/v1/lane-commands":
            url += "?wait=0"  # the lane's long-poll: answer at once
        for principal in PRINCIPALS:
            client = clients[principal]
            if path == "/login":  # a fresh browser, so the principal's own session survives
                client = client_for(server, "anonymous", keys)
                if principal in ("lane", "agency"):
                    client.headers["Authorization"] = f"Bearer {keys[principal]}"
            if path in ("/lane/events", "/dashboard/events"):  # endless streams: the status line answers
                with client.stream(method, url) as response:
                    pass
            else:
                response = client.request(method, url, **body_for(method, path, values, client.csrf))
            if admitted(response) != table[(method, path)][principal]:
                wrong.append(
                    f"{method} {path} as {principal}: HTTP {response.status_code} "
                    f"{response.headers.get('location', '')} (policy says "
                    f"{'allowed' if table[(method, path)][principal] else 'refused'})"
                )
    assert not wrong, "\n".join(wrong)


def test_every_page_form_post_without_a_valid_csrf_token_is_refused(site):
    server, keys, values = site
    table = policy_table()
    admin = client_for(server, "admin", keys)
    forged = "0" * 64
    pages = [p for (m, p) in table if m == "POST" and not p.startswith("/api/")]
    assert len(pages) > 20
    for path in pages:
        url = path.format(**values) if "{" in path else path
        for token in (None, forged):
            headers = {"X-CSRF-Token": ""}
            data = {"csrf_token": token} if token else {}
            response = admin.post(url, data=data, headers=headers)
            assert response.status_code == 403, f"{path} with csrf {token!r}: {response.status_code}"
            assert "Formulir kedaluwarsa" in response.text or response.json().get("error") == "auth.csrf"
