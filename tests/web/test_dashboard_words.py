"""What a technician reads on the dashboard is words from the catalogs (issue 15, "Staff and admin
pages"): device details without dict or timestamp reprs, the screen state as a word, the self-test
result named, the lane's name once in its heading; every audit action a document's history can
show has its text."""

from __future__ import annotations

import re
from pathlib import Path

from controller.kernel.outcomes import CLAIM_OUTCOMES
from controller.lane.screen import LaneState
from hardware.locker.door_watch import FORCED, LEFT_OPEN
from tests.rigs.server import LiveServer
from tests.rigs.wait import wait_for
from tests.web.helpers import browser, login, post_form
from web.i18n import has
from web.i18n.devices import info_lines

PASSWORD = "a-long-password"
RAW = re.compile(r"\w=\{|\w=\[|_at=|=\d{9,}")  # doors={...}, fitted=[...], last_read_at=..., =1796155319


def test_device_details_read_as_words():
    info = {"doors": {"1": "closed", "2": "open"}, "last_read_at": 1000.0, "running": True, "fitted": []}
    assert info_lines(info, "id", now=1012.4) == [
        "Pintu: 1 tertutup, 2 terbuka",
        "Terpasang: tidak ada",
        "Terakhir membaca: 12 dtk lalu",
        "Berjalan: ya",
    ]
    unknown = info_lines({"last_read_at": None, "paper": "low"}, "en", now=0)
    assert unknown == ["Last read: never", "Paper: low"]  # a time never set: it never happened
    assert info_lines({"brand_new": 3}, "en", now=0) == ["brand_new: 3"]  # not in the catalogs yet: shown


def test_the_lane_page_speaks_words(build):
    system = build(heartbeat_seconds=0.2)
    system.lane.settings.status_interval = 0.2
    system.fleet.alerts.notify = None
    system.accounts.create_user("tek", PASSWORD, "technician")
    with LiveServer(system) as server, browser(server.url) as tech:
        login(tech, "tek", PASSWORD)
        wait_for(lambda: system.fleet.lanes()[0]["reported"], what="first heartbeat")
        door = post_form(
            tech,
            "/dashboard/lanes/lane-1",
            "/dashboard/lanes/lane-1/selftest",
            {"test": "door", "bank": "A", "door": "2"},
        )
        after = tech.get(door.headers["location"]).text
        english = tech.get("/dashboard/lanes/lane-1?lang=en").text
        fleet = tech.get("/dashboard?lang=id").text
    assert "Dasbor Lajur 1" in after and "Lajur Lajur" not in after
    assert "Dashboard: Lajur 1" in english and "Lane Lajur" not in english
    assert "Buka satu pintu: berhasil" in after and "door opened" not in after
    # the bank as a grid of doors, each with its sensor's word in the page's language
    cell = r'data-door="1" data-sensor="closed"[^>]*>\s*<span class="n">1</span> <span class="w">{}</span>'
    assert re.search(cell.format("tertutup"), after) and re.search(cell.format("closed"), english)
    for html in (after, english, fleet):
        assert not RAW.search(html), RAW.search(html).group(0)
    assert re.search(
        r"Layar</?\w*>?:? <strong>(siap|membaca)</strong>|Layar: <strong>(siap|membaca)</strong>", fleet
    )


def test_keys_the_dashboard_and_history_make_at_run_time_are_in_the_catalogs():
    states = [f"dashboard.screen_state.{state}" for state in LaneState]
    outcomes = [f"dashboard.pickup_outcome.{outcome}" for outcome in (*CLAIM_OUTCOMES, "pending")]
    alarms = [f"dashboard.alarm.{kind}" for kind in (FORCED, LEFT_OPEN)]
    controller = Path(__file__).resolve().parents[2] / "controller"
    source = "".join(p.read_text() for p in controller.rglob("*.py"))
    document_actions = set(
        re.findall(
            r'action="((?:document|pickup|locker|locker_door|offline|claim|short_code)\.[a-z_.]+)"', source
        )
    )
    assert len(document_actions) > 15
    history = [f"documents.history.{action}" for action in sorted(document_actions)]
    history += [f"documents.history.pickup.{outcome}" for outcome in CLAIM_OUTCOMES]
    assert [key for key in states + outcomes + alarms + history if not has(key)] == []
