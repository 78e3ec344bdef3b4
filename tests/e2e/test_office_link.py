"""A lane on its own talks to the office over HTTP with its API key; the office goes away and
comes back: the lane says so, releases nothing meanwhile, and recovers by itself."""

from __future__ import annotations

import time

from controller.config import parse_config
from tests.conftest import make_pdf
from tests.rigs.server import LiveServer
from tests.rigs.wait import wait_for
from web.app import build_system


def test_office_unreachable_then_back(tmp_path):
    office_cfg = parse_config({"role": "office", "state_dir": str(tmp_path / "office")})
    office_system = build_system(office_cfg)
    office = office_system.office
    office.ensure_lane("lane-1")
    lane_key = office.create_api_key("lane", lane_id="lane-1")
    staff_key = office.create_api_key("staff")

    with LiveServer(office_system) as office_server:
        port = office_server.port
        lane_cfg = parse_config(
            {
                "role": "lane",
                "state_dir": str(tmp_path / "lane"),
                "lane": {
                    "office_url": office_server.url,
                    "api_key": lane_key,
                    "result_seconds": 0.5,
                    "dedupe_seconds": 0.2,
                    "printer": {"type": "sim", "seconds_per_page": 0.01},
                    "lockers": [],
                },
            }
        )
        lane_system = build_system(lane_cfg)
        lane = lane_system.lane
        lane.settings.status_interval = 0.2
        with LiveServer(lane_system) as lane_server, office_server.client(staff_key) as api:
            doc = api.post(
                "/api/v1/documents",
                data={"kind": "print", "title": "NPWP"},
                files={"file": ("n.pdf", make_pdf(1), "application/pdf")},
            ).json()
            code = api.post(f"/api/v1/documents/{doc['id']}/ready").json()["code"]
            wait_for(lambda: lane.screen.view.state == "ready", what="lane ready")

            office_server.__exit__(None, None, None)  # the office goes away
            with lane_server.client() as screen:
                screen.post("/api/v1/lane/scan", json={"text": code})
                view = wait_for(
                    lambda: (
                        (shown := screen.get("/api/v1/lane").json()["view"])["state"] == "offline" and shown
                    ),
                    interval=0.05,
                    what="lane shows offline",
                )
                # a short headline; below it what still works and what to do (issue 15)
                assert "tidak terhubung" in view["text_id"] and "link down" in view["text_en"]
                assert "tunggu" in view["more_id"] and "wait" in view["more_en"]
            assert lane.printer.jobs == []  # nothing released while offline

            with LiveServer(office_system, port=port):  # the office is back on the same address
                wait_for(lambda: lane.screen.view.state == "ready", what="lane back to ready")
                wait_for(lambda: not lane.journal.unreported(), what="abandoned claim reported")
                time.sleep(0.4)  # past the repeat window (0.2 s): a sleep never ends early
                lane.simulate_scan(text=code)
                wait_for(
                    lambda: api.get(f"/api/v1/documents/{doc['id']}").json()["state"] == "released",
                    what="released after the office came back",
                )
            assert len(lane.printer.printed) == 1
