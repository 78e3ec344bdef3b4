"""Every staff, admin and dashboard page, as each role and in both languages, reads as words
(issue 15, "Staff and admin pages"): no catalog key (shown as ``[key]`` when missing), no audit
action or outcome name, no dict or timestamp repr, no doubled lane word; and every page address
that only takes a form answers a browser's GET with an error page, not JSON.

The routes come from the app itself, so a page added later is swept without editing this file.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from controller.kernel.codes import code_hash
from controller.kernel.outcomes import CLAIM_OUTCOMES
from tests.conftest import make_pdf
from tests.rigs.server import LiveServer
from tests.rigs.wait import wait_for
from tests.web.helpers import browser, login
from tests.web.test_role_matrix import app_routes
from web.app import create_app
from web.i18n import both

PASSWORD = "kata-sandi-yang-panjang"
ROLES = ("staff", "technician", "admin")
NOT_PAGES = ("/api/", "/static", "/docs", "/openapi.json", "/metrics", "/healthz", "/readyz")
STREAMS = ("/dashboard/events", "/lane/events")  # server-sent events: they never end
MISSING_KEY = re.compile(r"\[[a-z_]+(?:\.[a-z0-9_]+)+\]")  # web.i18n.t shows a key it lacks so
REPR = re.compile(r"\w=\{|\w=\[|_at=|=\d{9,}|\{'|'\}")  # doors={'1': ...}, last_read_at=17961...
DOUBLED = re.compile(r"\b(Lajur|Lane) (Lajur|Lane)\b")


class _Text(HTMLParser):
    """The text a person reads: text nodes outside script and style."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style") and self._skip > 0

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def visible(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return "\n".join(parser.parts)


def audit_actions() -> set[str]:
    """The audit action names the controller writes (``action="locker.door_assigned"``)."""
    source = "".join(p.read_text() for p in (Path(__file__).parents[2] / "controller").rglob("*.py"))
    return set(re.findall(r'action="([a-z_]+\.[a-z_.]+)"', source))


def page_routes(system) -> dict[str, set[str]]:
    """Each page path of the app (no API, no static files) with its methods."""
    routes: dict[str, set[str]] = {}
    for method, path in app_routes(create_app(system, manage_lifecycle=False)):
        if not path.startswith(NOT_PAGES) and path not in STREAMS:
            routes.setdefault(path, set()).add(method)
    return routes


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from tests.conftest import lane_config
    from web.app import build_system

    system = build_system(lane_config(tmp_path_factory.mktemp("sweep") / "state", heartbeat_seconds=0.2))
    office, lane = system.office, system.config.lane.id
    for role in ROLES:
        system.accounts.create_user(role, PASSWORD, role)
    released = office.create_document(kind="print", title="Akta", pdf=make_pdf(1), actor="test")
    code = office.mark_ready(released["id"], "test").code
    office.claim(code_hash=code_hash(code), claim_id="claim-1", lane_id=lane)
    office.report(claim_id="claim-1", lane_id=lane, outcome="released", detail="job 7 completed")
    unsure = office.create_document(kind="print", title="KK", pdf=make_pdf(2), actor="test")
    code = office.mark_ready(unsure["id"], "test").code
    office.claim(code_hash=code_hash(code), claim_id="claim-2", lane_id=lane)
    office.report(claim_id="claim-2", lane_id=lane, outcome="uncertain", detail="power cut")
    locker = office.create_document(
        kind="locker", title="KTP-el", actor="test", locker_bank="A", door=2, loaded_at=1.0
    )
    code = office.mark_ready(locker["id"], "test").code
    cancelled = office.create_document(kind="print", title="Surat", pdf=make_pdf(1), actor="test")
    office.cancel(cancelled["id"], actor="test")
    system.lane.settings.status_interval = 0.2
    with LiveServer(system) as server:
        wait_for(lambda: system.fleet.lanes()[0]["reported"], what="first heartbeat")
        values = {
            "doc_id": str(released["id"]),
            "lane_id": lane,
            "code": code,
            "user_id": "1",
            "key_id": "1",
            "kind_id": "1",
            "bank_id": "A",
            "door": "2",
            "alert_id": "1",
        }
        docs = [released["id"], unsure["id"], locker["id"], cancelled["id"]]
        yield server, values, docs


def _fill(path: str, values: dict) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)


def test_every_page_as_every_role_in_both_languages_reads_as_words(site):
    server, values, docs = site
    routes = page_routes(server.system)
    pages = [_fill(p, values) for p, methods in routes.items() if "GET" in methods]
    pages += [f"/staff/documents/{doc}" for doc in docs[1:]]
    actions = audit_actions()
    assert len(actions) > 15
    read: dict[str, set[str]] = {}
    problems = []
    for role in ROLES:
        with browser(server.url) as client:
            assert login(client, role, PASSWORD).status_code == 303
            for lang in ("id", "en"):
                for page in pages:
                    response = client.get(page, params={"lang": lang})
                    if response.status_code != 200 or "text/html" not in response.headers["content-type"]:
                        continue
                    read.setdefault(page, set()).add(role)
                    text = visible(response.text)
                    found = MISSING_KEY.findall(text) + REPR.findall(text) + DOUBLED.findall(text)
                    found += re.findall(r"\b1 pages\b", text)
                    found += [a for a in actions if re.search(rf"(?<![\w.]){re.escape(a)}(?![\w.])", text)]
                    if lang == "id":  # an outcome's English name on an Indonesian page is a raw value
                        found += [o for o in CLAIM_OUTCOMES if re.search(rf"(?<![\w-]){o}(?![\w-])", text)]
                        found += re.findall(r"job \S+ completed", text)  # the lane's release detail
                        found += re.findall(r"\((?:print|locker)\)|\bsimulated\b", text)  # delivery, device
                    if found:
                        problems.append((role, lang, page, found))
    assert problems == []
    # the sweep saw the pages it is for, each as the roles that use it
    for page, role in [
        ("/staff/documents", "staff"),
        (f"/staff/documents/{docs[0]}", "staff"),
        ("/staff/lockers", "staff"),
        ("/staff/reports", "staff"),
        ("/dashboard", "technician"),
        ("/dashboard/lanes/lane-1", "technician"),
        ("/admin/users", "admin"),
        ("/admin/lanes", "admin"),
        ("/admin/keys", "admin"),
        ("/admin/kinds", "admin"),
        ("/account", "staff"),
    ]:
        assert role in read.get(page, set()), page


def test_a_get_on_every_form_only_address_is_an_error_page(site):
    server, values, _docs = site
    post_only = [_fill(p, values) for p, methods in page_routes(server.system).items() if methods == {"POST"}]
    assert len(post_only) > 15
    wrong = []
    with browser(server.url) as client:
        assert login(client, "admin", PASSWORD).status_code == 303
        client.get("/account", params={"lang": "id"})  # the other test may have left English chosen
        for page in post_only:
            response = client.get(page)
            is_page = response.headers["content-type"].startswith("text/html")
            if response.status_code != 405 or not is_page or '"error"' in response.text:
                wrong.append((page, response.status_code, response.text[:80]))
            elif both("error.http.method_not_allowed")[0] not in response.text:
                wrong.append((page, "no Indonesian text"))
    assert wrong == []


def test_a_lanes_fixed_release_details_read_in_the_pages_language():
    from web.i18n.documents import release_detail

    assert release_detail("job 7 completed", "id") == "tugas cetak 7 selesai"
    assert release_detail("door opened", "id") == "pintu terbuka"
    assert release_detail("door opened", "en") == "door opened"
    assert release_detail("pulse: bank A not answering", "id") == "pulse: bank A not answering"  # diagnostic
