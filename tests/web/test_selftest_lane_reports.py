"""``ambil selftest`` on a lane's own Pi (role lane) runs the test on the lane, then reports it to
the office, which audits it as it audits a self-test started from the dashboard, and records the
opening of a door holding an item on that document (issue 15). A real office over HTTP, a real
lane process on its own port, the real command line."""

from __future__ import annotations

import json

from sqlalchemy import select

from controller.config import parse_config
from controller.office.db.tables import audit_log
from tests.rigs.server import LiveServer
from tests.rigs.wait import wait_for
from web.app import build_system
from web.cli import build_parser


def audit_rows(system, action: str) -> list[dict]:
    with system.engine.connect() as conn:
        rows = conn.execute(select(audit_log).where(audit_log.c.action == action).order_by(audit_log.c.id))
        return [{"actor": r.actor, "subject": r.subject, **json.loads(r.detail or "{}")} for r in rows]


def test_a_lanes_own_self_test_is_audited_in_the_office(tmp_path, capsys):
    office = build_system(parse_config({"role": "office", "state_dir": str(tmp_path / "office")}))
    office.office.ensure_lane("lane-2", "Lajur 2")
    office.lockers.save_bank("B", "lane-2", 4, actor="test")
    key = office.office.create_api_key("lane", lane_id="lane-2")
    held = office.office.create_document(
        kind="locker", title="KTP-el Dewi", actor="test", locker_bank="B", door=2, loaded_at=1.0
    )
    office.office.mark_ready(held["id"], "test")
    with LiveServer(office) as office_server:
        lane_config = {
            "role": "lane",
            "state_dir": str(tmp_path / "lane"),
            "lane": {
                "id": "lane-2",
                "name": "Lajur 2",
                "office_url": office_server.url,
                "api_key": key,
                "door_open_timeout": 1.0,
                "lockers": [{"type": "sim", "id": "B", "doors": 4}],
            },
        }
        lane = build_system(parse_config(lane_config))
        assert lane.fleet is None  # the lane-only path: no office in this process
        with LiveServer(lane) as lane_server:
            for argv in (
                ["selftest", "door", "--bank", "B", "--door", "3"],
                ["selftest", "door", "--bank", "B", "--door", "2", "--confirm-held", "--reason", "engsel"],
                ["selftest", "lights"],
            ):
                capsys.readouterr()
                cli = build_parser().parse_args([*argv, "--url", lane_server.url])
                assert cli.func(cli) == 0, argv
                answer = json.loads(capsys.readouterr().out)
                assert (answer["outcome"], answer["office_audit"]) == ("ok", "recorded"), answer
            pulsed = [door for door, _ms, _at in lane.lane.lockers["B"].pulses]
    tests = audit_rows(office, "lane.selftest")
    assert [(t["actor"], t["subject"], t["test"], t.get("door"), t["outcome"]) for t in tests] == [
        ("lane:lane-2", "lane:lane-2", "door", 3, "ok"),
        ("lane:lane-2", "lane:lane-2", "door", 2, "ok"),
        ("lane:lane-2", "lane:lane-2", "lights", None, "ok"),
    ]
    assert all(t["started_on"] == "lane" and t["run_by"] for t in tests)  # who asked on the Pi
    assert pulsed == [3, 2]
    # the door with the KTP-el behind it: on the document, with the reason given on the lane
    (opened,) = audit_rows(office, "locker.door_opened_for_test")
    assert (opened["subject"], opened["door"], opened["reason"]) == (f"document:{held['id']}", 2, "engsel")
    history = [h["action"] for h in office.office.get_document(held["id"])["history"]]
    assert "locker.door_opened_for_test" in history


def test_the_office_refuses_a_report_from_anything_but_a_lane_key(tmp_path):
    office = build_system(parse_config({"role": "office", "state_dir": str(tmp_path / "office")}))
    office.office.ensure_lane("lane-2", "Lajur 2")
    lane_key = office.office.create_api_key("lane", lane_id="lane-2")
    staff_key = office.office.create_api_key("staff")
    office.office.ensure_lane("lane-3", "Lajur 3")
    office.lockers.save_bank("C", "lane-3", 4, actor="test")
    theirs = office.office.create_document(
        kind="locker", title="Paspor Eka", actor="test", locker_bank="C", door=1, loaded_at=1.0
    )
    office.office.mark_ready(theirs["id"], "test")
    report = {"test": "lights", "outcome": "ok", "detail": "", "run_by": "technician:local"}
    with LiveServer(office) as server, server.client() as http:
        url = "/api/v1/lane-selftests"
        assert (
            http.post(url, json=report, headers={"Authorization": f"Bearer {staff_key}"}).status_code == 403
        )
        bad = http.post(
            url, json={**report, "lane_id": "lane-9"}, headers={"Authorization": f"Bearer {lane_key}"}
        )
        assert bad.status_code == 422  # the lane comes from its key, never from the body
        ok = http.post(url, json=report, headers={"Authorization": f"Bearer {lane_key}"})
        assert ok.status_code == 200 and ok.json() == {"recorded": True, "document": None}
        # a door of another lane's bank holding an item: lane-2's report writes nothing on it
        other = {**report, "test": "door", "bank": "C", "door": 1, "reason": "bukan loker saya"}
        ok = http.post(url, json=other, headers={"Authorization": f"Bearer {lane_key}"})
        assert ok.status_code == 200 and ok.json() == {"recorded": True, "document": None}
    history = [h["action"] for h in office.office.get_document(theirs["id"])["history"]]
    assert "locker.door_opened_for_test" not in history
    wait_for(lambda: audit_rows(office, "lane.selftest"), what="the audit row")
    assert audit_rows(office, "lane.selftest")[0]["actor"] == "lane:lane-2"
