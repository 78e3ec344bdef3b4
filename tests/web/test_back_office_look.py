"""Every staff, admin and dashboard page as its user sees it (issue 15, acceptance), in real
headless Chromium, in both languages, at 1280x800 and at a phone's 360x740, with data filled in:
documents in several states, a locker bank of 4 columns x 2 rows with loaded doors and one forced
open, a lane whose printer is out of paper with its alert open, a lane registered an hour ago that
never reported, a lane that went silent.

Screenshots go to artifacts/screenshots/ (``tests.rigs.browser``), beside the lane screen's, for a
person to look at. Asserted on each page: it is no error page, no raw catalog key, no dict or
timestamp repr, no overflow sideways at 360 px, a lane id never broken at its hyphen, every msgid
the page rendered (``web.i18n.watch_keys``) translated in both catalogs (the list is printed); and
English chosen once stays for the next pages and the next login.
"""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import update

from controller.kernel.codes import code_hash
from controller.office.db.tables import lane_status, lanes
from hardware.printer.reasons import ATTENTION_REASONS, BLOCKING_REASONS, describe
from tests.conftest import lane_config, make_pdf
from tests.rigs.browser import log_in, screenshot
from tests.rigs.server import LiveServer
from tests.rigs.wait import wait_for
from web.i18n import texts, watch_keys

PASSWORD = "kata-sandi-panjang-2026"
SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 360, "height": 740}}
BANK = {"type": "sim", "id": "A", "doors": 8, "columns": 4, "where": "di kiri jalur", "where_en": "left"}
# a catalog key's shape: a first segment the catalogs use (dashboard., device., ...) then more
PREFIXES = sorted({key.split(".")[0] for key in texts()["id"]} | {"locker", "document", "pickup"})
RAW_KEY = re.compile(r"(?<![\w/.@-])(?:" + "|".join(PREFIXES) + r")\.[a-z_][a-z0-9_-]*(?:\.[a-z0-9_-]+)*")
# a Python repr or an epoch time where a person reads words and dates
REPR = re.compile(r"\{'|'\}|\w=\{|\w=\[|_at=|\b1[6-9]\d{8}(?:\.\d+)?\b|datetime\(")
PY_WORDS = re.compile(r"\b(?:None|True|False)\b")  # on an Indonesian page only: English has "None"
DEVICE_ENGLISH = sorted({describe(r) for r in BLOCKING_REASONS | ATTENTION_REASONS} - {"offline"})
VISIBLE_TEXT = "document.body.innerText"
FITS_WIDTH = "document.documentElement.scrollWidth <= window.innerWidth + 1"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """One office + lane (all-in-one) with every page's data; yields (server, pages by role)."""
    from web.app import build_system

    state = tmp_path_factory.mktemp("look") / "state"
    printer = {"type": "sim", "seconds_per_page": 0.01, "paper": 0}  # out of paper: a lane fault
    system = build_system(lane_config(state, heartbeat_seconds=0.3, printer=printer, lockers=[BANK]))
    system.lane.settings.status_interval = 0.3
    system.fleet.alerts.notify = None
    office, lane = system.office, system.config.lane.id
    for name, role in (("siti", "staff"), ("ani", "staff"), ("teknisi", "technician"), ("admin", "admin")):
        system.accounts.create_user(name, PASSWORD, role, display_name=name.title())
    docs = {}
    docs["draft"] = office.create_document(
        kind="print", title="Akta Kelahiran Budi", pdf=make_pdf(2), actor="test"
    )
    docs["ready"] = office.create_document(
        kind="print", title="Kartu Keluarga Ani", pdf=make_pdf(1), actor="test", citizen_phone="081234567890"
    )
    office.mark_ready(docs["ready"]["id"], "test")
    for name, title, outcome, detail in (
        ("released", "Surat Pindah Fajar", "released", "job 7 completed"),
        ("uncertain", "Surat Keterangan Gita", "uncertain", "power cut"),
    ):
        doc = office.create_document(
            kind="print", title=title, reference=f"REF-{name[:3].upper()}", pdf=make_pdf(1), actor="test"
        )
        code = office.mark_ready(doc["id"], "test").code
        office.claim(code_hash=code_hash(code), claim_id=f"claim-{name}", lane_id=lane)
        office.report(claim_id=f"claim-{name}", lane_id=lane, outcome=outcome, detail=detail)
        docs[name] = doc
    docs["cancelled"] = office.create_document(
        kind="print", title="SKCK Citra", pdf=make_pdf(1), actor="test"
    )
    office.cancel(docs["cancelled"]["id"], actor="test")
    docs["locker"] = office.create_document(
        kind="locker", title="KTP-el Dewi", actor="test", locker_bank="A", door=2, loaded_at=1.0
    )
    office.mark_ready(docs["locker"]["id"], "test")
    office.create_document(
        kind="locker", title="KTP-el Eko", actor="test", locker_bank="A", door=7, loaded_at=1.0
    )
    system.lockers.create_lane("lane-2", "Lajur 2", actor="test")  # known, never heard: offline
    system.lockers.create_lane("lane-3", "Lajur 3", actor="test")
    system.fleet.record("lane-3", {"state": "ready", "devices": {}, "host": {}})  # heard once
    with system.engine.begin() as conn:  # lane-2 registered an hour ago; lane-3 silent for 10 min
        conn.execute(update(lanes).where(lanes.c.id == "lane-2").values(created_at=time.time() - 3600))
        conn.execute(
            update(lane_status).where(lane_status.c.lane_id == "lane-3").values(received_at=time.time() - 600)
        )
    with LiveServer(system) as server:
        wait_for(lambda: system.fleet.lanes() and _lane(system, lane)["reported"], what="first heartbeat")
        system.lane.lockers["A"].open_door(3)  # someone left door 3 open
        wait_for(
            lambda: (
                any(a["rule"] == "printer.media_empty" for a in system.fleet.alerts.open_alerts(lane))
                and _lane(system, lane)["devices"]["locker:A"]["info"]["doors"].get("3") == "open"
            ),
            what="the paper alert and the open door reported",
        )
        wait_for(
            lambda: (
                [a["rule"] for a in system.fleet.alerts.open_alerts("lane-2")] == ["lane.never_reported"]
                and [a["rule"] for a in system.fleet.alerts.open_alerts("lane-3")] == ["lane.offline"]
                and _lane(system, lane)["doors"].get("active_alarms")
            ),
            what="the silent lanes' alerts (the fleet's timer) and door 3's alarm",
        )
        ids = {name: doc["id"] for name, doc in docs.items()}
        pages = {
            "siti": ["/staff/documents", "/staff/documents/new"]
            + [f"/staff/documents/{ids[n]}" for n in ("draft", "ready", "released", "uncertain", "locker")]
            + ["/staff/lockers", "/staff/reports", "/account"],
            "admin": ["/admin", "/admin/users", "/admin/lanes", "/admin/kinds", "/admin/keys"],
            "teknisi": ["/dashboard"] + [f"/dashboard/lanes/{n}" for n in (lane, "lane-2", "lane-3")],
        }
        yield server, pages


def _lane(system, lane_id: str) -> dict:
    return next(lane for lane in system.fleet.lanes() if lane["lane_id"] == lane_id)


def save(page, name: str) -> None:
    screenshot(page, f"office-{name}")


def slug(path: str) -> str:
    return path.strip("/").replace("/", "-") or "home"


# the silent lanes: the alert each shows (on its card and its page), with what to do
SILENT = {"lane-2": "lane.never_reported", "lane-3": "lane.offline"}


def _silent_lane_problems(page, path: str) -> list[str]:
    problems = []
    for lane_id, rule in SILENT.items():
        if path not in ("/dashboard", f"/dashboard/lanes/{lane_id}"):
            continue
        scope = f"#lane-{lane_id}" if path == "/dashboard" else "#lane-alerts"
        todo = page.locator(f'{scope} .alerts > li[data-rule="{rule}"] .todo')
        if todo.count() != 1 or len(todo.inner_text()) < 40:
            problems.append(f"{path}: {lane_id} shows no {rule} alert with what to do")
    return problems


def _dashboard_problems(page, path: str) -> list[str]:
    """The technician's reading of the lane with devices: the bank as built (4 x 2, the loaded
    doors and the forced one), paper as an empty level, each open alert with what to do; and
    each silent lane's alert with what to do."""
    problems = _silent_lane_problems(page, path)
    if not page.locator("#grid-lane-1-A").count():
        return problems if path.split("/")[-1] in SILENT else [*problems, f"{path}: no door grid"]
    grid = page.locator("#grid-lane-1-A")
    found = (grid.get_attribute("data-columns"), grid.get_attribute("data-rows"))
    held = sorted(int(d.get_attribute("data-door")) for d in grid.locator("[data-held=yes]").all())
    open_ = [int(d.get_attribute("data-door")) for d in grid.locator("[data-sensor=open]").all()]
    forced = [int(d.get_attribute("data-door")) for d in grid.locator("[data-alarm=forced]").all()]
    paper = page.locator("[data-level=paper]").first.get_attribute("data-percent")
    alerts = page.locator("#lane-lane-1 .alerts > li, #lane-alerts .alerts > li")
    todo = page.locator("#lane-lane-1 .alerts .todo, #lane-alerts .alerts .todo")
    seen = (found, held, open_, forced, paper, alerts.count() == todo.count() > 0)
    expected = (("4", "2"), [2, 7], [3], [3], "0", True)
    return problems if seen == expected else [*problems, f"{path}: reads {seen}"]


# each lane id on the page (marked .id; the admin's lane table's first column by its place), as
# lines of text: more than one is an id broken at its hyphen
ID_LINES = """Array.from(document.querySelectorAll('.id, #lanes-table tbody td:first-child')).map(el => {
  const range = document.createRange(); range.selectNodeContents(el);
  const tops = new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top)));
  return [el.textContent.trim(), tops.size];
})"""


# what sticks out of its box on the locker grids: a tile's text beyond the tile, a state's word
# beyond its badge (on a 360 px phone "Menunggu diambil" overflowed a 4-column tile's badge)
SPILLS = """Array.from(document.querySelectorAll('.door, .door .badge')).flatMap(box => {
  const edge = box.getBoundingClientRect();
  const range = document.createRange(); range.selectNodeContents(box);
  return Array.from(range.getClientRects())
    .filter(r => r.width && (r.right > edge.right + 1 || r.left < edge.left - 1))
    .map(r => (box.closest('.door').id || '?') + ': ' + box.textContent.trim());
})"""


SECONDS_AGO = re.compile(r"(\d+) (?:dtk lalu|s ago)")


def check_page(page, path: str, lang: str, size: str, seen: set[str]) -> list[str]:
    """What is wrong on the page now: raw keys, reprs, sideways overflow, the wrong language."""
    problems = []
    text = page.evaluate(VISIBLE_TEXT)
    problems += [f"{path}: raw key {m}" for m in RAW_KEY.findall(text)]
    problems += [f"{path}: repr {m}" for m in REPR.findall(text)]
    if lang == "id":
        problems += [f"{path}: Python value {m}" for m in PY_WORDS.findall(text)]
        # a device's English words where the catalogs have Indonesian ones ("out of paper")
        problems += [f"{path}: English device text {w!r}" for w in DEVICE_ENGLISH if w in text]
    if path.startswith("/dashboard"):
        problems += _dashboard_problems(page, path)
    # a lane reads as its name, "Lajur 1" (its id only where ids are listed: admin, dashboard)
    if (path.startswith("/staff/") and "lane-1" in text) or "di lane-1" in text or "at lane-1" in text:
        problems.append(f"{path}: lane id lane-1 shown where its name belongs")
    if path == "/staff/lockers" and page.get_attribute("#door-A-3", "data-mark") != "forced":
        problems.append(f"{path}: door A 3, forced open, is not marked")
    problems += [f"{path}: id {text!r} on {n} lines" for text, n in page.evaluate(ID_LINES) if n > 1]
    problems += [f"{path}: sticks out of its box: {what}" for what in page.evaluate(SPILLS)]
    # "676 dtk lalu" is counted, not read: past 90 s an age is in minutes (lane-3 is 10 min silent)
    problems += [f"{path}: age {m.group(0)!r}" for m in SECONDS_AGO.finditer(text) if int(m.group(1)) >= 90]
    if path in ("/admin/lanes", "/dashboard") and not page.locator(".id").count():
        problems.append(f"{path}: no lane id marked as one")
    if page.get_attribute("html", "lang") != lang:
        problems.append(f"{path}: html lang {page.get_attribute('html', 'lang')} after choosing {lang}")
    if size == "phone" and not page.evaluate(FITS_WIDTH):
        width = page.evaluate("document.documentElement.scrollWidth")
        problems.append(f"{path}: {width} px wide at 360 px")
    return problems


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_back_office_page_as_its_user_sees_it(chromium, site, tmp_path, lang, size):
    server, pages = site
    problems, seen_all = [], set()
    for user, paths in pages.items():
        context = chromium.new_context(viewport=SIZES[size])
        page = context.new_page()
        log_in(page, server.url, user, PASSWORD)
        page.goto(f"{server.url}{paths[0]}?lang={lang}")  # chosen once: the next pages keep it
        for path in paths:
            with watch_keys() as seen:
                response = page.goto(server.url + path)
                if response.status != 200:
                    problems.append(f"{path}: HTTP {response.status}")
                page.wait_for_load_state("networkidle" if path != "/dashboard" else "load")
                if path == "/dashboard":
                    page.wait_for_function("document.getElementById('live-state').textContent.length > 0")
                save(page, f"{user}-{slug(path)}-{lang}-{size}")
                problems += check_page(page, path, lang, size, seen)
            seen_all |= seen
        if user == "teknisi":  # a self-test's result on the lane page: the print test, out of paper
            page.goto(f"{server.url}{paths[1]}")
            with watch_keys() as seen:
                page.click("#selftest-print")
                page.wait_for_selector("#selftest-result")
                save(page, f"{user}-selftest-result-{lang}-{size}")
                problems += check_page(page, "selftest result", lang, size, seen)
            seen_all |= seen
        context.close()
    untranslated = sorted(k for k in seen_all if not (texts()["id"].get(k) and texts()["en"].get(k)))
    print(f"\n{len(seen_all)} msgids rendered ({lang}, {size}):", " ".join(sorted(seen_all)))
    assert len(seen_all) > 150  # the hook saw the pages' texts
    assert untranslated == []
    assert problems == [], "\n".join(problems)


def test_english_chosen_once_stays_for_the_next_page_and_the_next_login(chromium, site):
    server, pages = site
    context = chromium.new_context(viewport=SIZES["desktop"])
    page = context.new_page()
    log_in(page, server.url, "ani", PASSWORD)  # her own account: the other tests chose languages for theirs
    assert page.get_attribute("html", "lang") == "id"  # the default
    page.goto(f"{server.url}/staff/documents?lang=en")
    for path in ("/staff/lockers", "/staff/reports", "/account"):
        page.goto(server.url + path)
        assert page.get_attribute("html", "lang") == "en", path
    context.close()
    again = chromium.new_context(viewport=SIZES["desktop"])  # another browser: only the account knows
    page = again.new_page()
    log_in(page, server.url, "ani", PASSWORD)
    assert page.get_attribute("html", "lang") == "en"
    page.goto(f"{server.url}/staff/documents?lang=id")  # and back
    page.goto(f"{server.url}/staff/lockers")
    assert page.get_attribute("html", "lang") == "id"
    again.close()
