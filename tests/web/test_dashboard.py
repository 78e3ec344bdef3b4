"""The dashboard pages over real HTTP: the fleet, live events, alerts, acknowledging, self-tests."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

from sqlalchemy import select, update

from controller.office.db.tables import audit_log, lanes
from tests.rigs.server import LiveServer
from tests.rigs.wait import wait_for
from tests.web.helpers import browser, login, post_form

PASSWORD = "a-long-password"


def test_dashboard_shows_alerts_acks_and_runs_self_tests(build):
    system = build(heartbeat_seconds=0.2)
    system.lane.settings.status_interval = 0.2
    system.fleet.alerts.notify = None
    for name, role in (("tek", "technician"), ("adm", "admin"), ("sta", "staff")):
        system.accounts.create_user(name, PASSWORD, role)
    with LiveServer(system) as server:
        tech = browser(server.url)
        assert login(tech, "tek", PASSWORD).status_code == 303
        wait_for(lambda: system.fleet.lanes()[0]["reported"], what="first heartbeat")
        page = tech.get("/dashboard")
        assert page.status_code == 200 and 'id="lane-lane-1"' in page.text

        system.lane.printer.set_paper(0)
        wait_for(lambda: "printer.media_empty" in tech.get("/dashboard").text, what="paper alert shown")
        (alert,) = [
            a for a in system.fleet.alerts.open_alerts("lane-1") if a["rule"] == "printer.media_empty"
        ]
        done = post_form(tech, "/dashboard", f"/dashboard/alerts/{alert['id']}/ack")
        assert done.status_code == 303 and "ok=dashboard.acked" in done.headers["location"]
        assert "dilihat oleh tek" in tech.get("/dashboard").text  # the name, not user:<id>

        with tech.stream("GET", "/dashboard/events") as events:
            for line in events.iter_lines():
                if line.startswith("data: "):
                    assert 'id="lane-lane-1"' in json.loads(line[6:])["cards"]["lane-1"]
                    break

        lane_page = tech.get("/dashboard/lanes/lane-1?lang=en")
        assert (
            lane_page.status_code == 200
            and "lane-chart" in lane_page.text
            and "out of paper" in lane_page.text
        )
        system.lane.printer.set_paper(None)
        result = post_form(
            tech, "/dashboard/lanes/lane-1", "/dashboard/lanes/lane-1/selftest", {"test": "print"}
        )
        assert result.status_code == 303 and "outcome=ok" in result.headers["location"]
        printed = len(system.lane.printer.printed)
        assert printed == 1  # the test page, through the lane's printer
        door = post_form(
            tech,
            "/dashboard/lanes/lane-1",
            "/dashboard/lanes/lane-1/selftest",
            {"test": "door", "bank": "A", "door": "2"},
        )
        assert "outcome=ok" in door.headers["location"]
        assert tech.get("/dashboard/lanes/nope").status_code == 404
        with system.engine.connect() as conn:
            tests = [
                r.detail for r in conn.execute(select(audit_log).where(audit_log.c.action == "lane.selftest"))
            ]
        assert len(tests) == 2 and '"test":"print"' in tests[0].replace(" ", "")

        admin = browser(server.url)
        login(admin, "adm", PASSWORD)
        assert admin.get("/dashboard").status_code == 200
        refused = post_form(
            admin, "/dashboard/lanes/lane-1", "/dashboard/lanes/lane-1/selftest", {"test": "print"}
        )
        assert refused.status_code == 403
        staff = browser(server.url)
        login(staff, "sta", PASSWORD)
        assert staff.get("/dashboard").status_code == 403
        with server.client() as anonymous:
            assert anonymous.get("/api/v1/fleet").status_code == 401
        assert staff.get("/api/v1/fleet").json()["lanes"][0]["lane_id"] == "lane-1"


ALERT_ITEM = re.compile(r'<li class="flash [^"]*" id="alert-(\d+)" data-rule="([^"]+)">(.*?)</li>', re.S)
TEMPLATES = Path(__file__).resolve().parents[2] / "web" / "templates"


def test_a_lane_that_never_reported_shows_its_alert_with_what_to_do_on_the_card_and_its_page(build):
    """One partial draws an alert (its words, what to do, the acknowledge form) on the fleet's
    card and on the lane's page; acknowledging on the lane's page returns to it."""
    acked_in = [p.name for p in TEMPLATES.rglob("*.html") if "/dashboard/alerts/" in p.read_text()]
    assert acked_in == ["_alert_item.html"]  # the alert and its form are written once
    system = build()
    system.fleet.alerts.notify = None
    system.accounts.create_user("tek", PASSWORD, "technician")
    system.office.ensure_lane("lane-7", "Lajur 7")
    with system.engine.begin() as conn:  # registered a day ago, never heard of since
        conn.execute(update(lanes).where(lanes.c.id == "lane-7").values(created_at=time.time() - 86400))
    with LiveServer(system) as server:
        wait_for(
            lambda: system.fleet.alerts.open_alerts("lane-7"), what="the fleet's timer raising it", timeout=10
        )
        tech = browser(server.url)
        login(tech, "tek", PASSWORD)
        drawn = {}
        for where, path in (("card", "/dashboard"), ("page", "/dashboard/lanes/lane-7")):
            for lang in ("id", "en"):
                html = tech.get(f"{path}?lang={lang}").text
                items = [m for m in ALERT_ITEM.finditer(html) if m.group(2) == "lane.never_reported"]
                assert len(items) == 1, (where, lang)
                drawn[where, lang] = items[0].group(3)
        for where in ("card", "page"):
            assert "Lajur 7 belum pernah mengirim laporan" in drawn[where, "id"]
            assert "Yang perlu dilakukan:</strong> Periksa apakah layanan ambil" in drawn[where, "id"]
            assert "Lajur 7 has never reported" in drawn[where, "en"]
            assert "What to do:</strong> Check that the ambil service runs" in drawn[where, "en"]
            assert 'action="/dashboard/alerts/' in drawn[where, "id"]
        assert 'name="next" value="/dashboard/lanes/lane-7"' in drawn["page", "id"]
        assert 'name="next"' not in drawn["card", "id"]  # the form's default: back to the fleet
        alert_id = system.fleet.alerts.open_alerts("lane-7")[0]["id"]
        page = "/dashboard/lanes/lane-7"
        done = post_form(tech, page, f"/dashboard/alerts/{alert_id}/ack", {"next": page})
        assert done.headers["location"] == f"{page}?ok=dashboard.acked"
        assert "dilihat oleh tek" in tech.get(f"{page}?lang=id").text
