"""Acceptance of issue 13, parts 1 and 2: an office and two lane processes (``ambil serve``,
role lane, simulated hardware) over real HTTP; the lanes only call out (long-poll).

The lanes announce their banks and an admin accepts them (and renames lane 2) on the admin page;
through the staff pages in Chromium, staff load a door of lane 2 (the page says it waits for lane
2, then the door opened) and mark it ready; a technician runs every self-test on lane 2 from the
dashboard; a citizen releases on lane 2; lane 2 is stopped while a door opening is queued: the
command expires, the page says the door was not opened and offers no "item is in" button, and
lane 2 started again does not run it. Door pulses are counted from the simulated locker's fsynced
pulse log, across the restart.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from controller.config import parse_config
from controller.office import audit
from tests.rigs.browser import log_in as sign_in
from tests.rigs.browser import screenshot
from tests.rigs.server import LiveServer
from tests.rigs.wait import wait_for
from web.app import build_system

PASSWORD = "dua-jalur-2026"
COMMAND_SECONDS = 6.0  # office.lane_command_seconds: how long a queued command waits for its lane

LANE_TOML = """
role = "lane"
state_dir = "{state}"
[http]
port = {port}
[lane]
id = "{lane_id}"
name = "Lajur {n}"
site = "MPP Kutai Kartanegara"
office_url = "{office}"
api_key = "{key}"
heartbeat_seconds = 1.0
door_open_timeout = 2.0
result_seconds = 0.5
[lane.printer]
type = "sim"
seconds_per_page = 0.01
[[lane.lockers]]
type = "sim"
id = "B{n}"
doors = 4
columns = 2
where = "di kanan jalur"
sizes = ["S", "M", "M", "L"]
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LaneProcess:
    """One ``ambil serve`` of role lane, started and stopped like systemd does."""

    def __init__(self, tmp_path: Path, n: int, office_url: str, key: str):
        self.lane_id = f"lane-{n}"
        self.state = tmp_path / self.lane_id
        self.port = free_port()
        self.config = tmp_path / f"{self.lane_id}.toml"
        self.config.write_text(
            LANE_TOML.format(
                state=self.state, port=self.port, lane_id=self.lane_id, n=n, office=office_url, key=key
            )
        )
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tmp_path / f"{self.lane_id}.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "web.cli", "serve", "--config", str(self.config)],
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            env=env,
        )

        def ready() -> bool:
            try:
                return httpx.get(f"{self.url}/api/v1/lane", timeout=1).json()["view"]["state"] == "ready"
            except (httpx.HTTPError, ValueError, KeyError):
                return False

        wait_for(ready, 60, interval=0.1, what=f"{self.lane_id} ready (log: {self.log})")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(20)

    def pulses(self, door: int) -> int:
        log = self.state / "sim" / f"locker-B{self.lane_id[-1]}-pulses.jsonl"
        return sum(f'"door": {door},' in line for line in log.read_text().splitlines()) if log.exists() else 0

    def journalled_commands(self) -> list[int]:
        (path,) = (self.state / "lane").glob("*-journal.db")
        db = sqlite3.connect(path, timeout=30)
        try:
            return [row[0] for row in db.execute("SELECT id FROM commands ORDER BY id")]
        finally:
            db.close()

    def scan(self, text: str) -> None:
        httpx.post(f"{self.url}/api/v1/lane/scan", json={"text": text}, timeout=10).raise_for_status()


@pytest.fixture
def office(tmp_path):
    config = parse_config(
        {
            "role": "office",
            "state_dir": str(tmp_path / "office"),
            "office": {"lane_command_seconds": COMMAND_SECONDS, "lane_offline_seconds": 10},
        }
    )
    system = build_system(config)
    keys = {}
    for lane_id in ("lane-1", "lane-2"):
        system.office.ensure_lane(lane_id)  # what `ambil apikey create --role lane --lane ID` does
        keys[lane_id] = system.office.create_api_key("lane", lane_id=lane_id)
    system.accounts.create_user("admin", PASSWORD, "admin")
    system.accounts.create_user("siti", PASSWORD, "staff")
    system.accounts.create_user("teknisi", PASSWORD, "technician")
    with LiveServer(system) as server:
        yield system, server, keys


@pytest.fixture
def lanes(tmp_path, office):
    _system, server, keys = office
    started = [LaneProcess(tmp_path, n, server.url, keys[f"lane-{n}"]) for n in (1, 2)]
    for lane in started:
        lane.start()
    yield started
    for lane in started:
        lane.stop()


def log_in(browser, url: str, username: str):
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()  # own cookies
    sign_in(page, url, username, PASSWORD)
    return page


# runs after app.js's submit handler (registered later), before the page navigates away: keeps
# what the page said while the lane had the command, for the test to read on the next page
KEEP_WAITING_TEXT = """() => document.addEventListener("submit", () => {
  const status = document.getElementById("load-waiting");
  sessionStorage.setItem("waiting", status && !status.hidden ? status.textContent : "");
})"""


def open_door_from_the_page(page, url: str, doc_id: int, door: str) -> None:
    page.goto(f"{url}/staff/documents/{doc_id}")
    page.select_option("#load-door", door)
    page.evaluate(KEEP_WAITING_TEXT)
    page.click("#load-open", no_wait_after=True)


def waiting_text(page) -> str:
    return page.evaluate("() => sessionStorage.getItem('waiting')") or ""


def test_two_lanes_join_load_test_release_and_an_expired_command(tmp_path, chromium, office, lanes):
    system, server, _keys = office
    url = server.url
    lane1, lane2 = lanes

    # the lanes announced themselves: their names now, their banks for an admin to accept
    wait_for(lambda: len(system.lane_join.pending()) == 2, 30, what="both lanes announced")
    assert {lane.id: lane.name for lane in system.lockers.lanes()} == {
        "lane-1": "Lajur 1",
        "lane-2": "Lajur 2",
    }
    admin = log_in(chromium, url, "admin")
    admin.goto(f"{url}/admin/lanes")
    assert "di kanan jalur" in admin.inner_text("#announced-lane-2")
    screenshot(admin, "two-lanes-announced")
    for lane_id in ("lane-1", "lane-2"):
        admin.click(f"#accept-{lane_id}")
        admin.wait_for_url("**ok=admin.accepted*")
    admin.fill("#lane-lane-2-name", "Lajur Dua")
    admin.click("#lane-lane-2-rename-submit")
    admin.wait_for_url("**ok=admin.lane_renamed*")
    bank = system.lockers.bank("B2")
    assert bank.lane_id == "lane-2" and [d.size for d in bank.doors] == ["S", "M", "M", "L"]
    assert system.lane_join.pending() == []

    # staff load door 1 of lane 2 through the pages, then mark the document ready
    staff = log_in(chromium, url, "siti")
    doc = system.office.create_document(kind="locker", title="KTP-el Dewi", actor="test", door_size="M")
    open_door_from_the_page(staff, url, doc["id"], "B2:2")
    staff.wait_for_selector("#load-confirm")
    assert waiting_text(staff) == "Menunggu jalur Lajur Dua membuka pintu…"
    assert lane2.pulses(2) == 1 and lane1.pulses(2) == 0  # that door of that lane, once
    staff.click("#load-confirm")
    staff.wait_for_selector("#mark-ready")
    staff.click("#mark-ready")
    staff.wait_for_selector("#shown-once")
    code = staff.input_value("#citizen-link").rsplit("/p/", 1)[1]

    # a technician runs every self-test on lane 2 from the dashboard
    tech = log_in(chromium, url, "teknisi")
    tech.goto(f"{url}/dashboard/lanes/lane-2")
    for test in ("print", "frame", "lights"):
        tech.click(f"#selftest-{test}")
        result = tech.wait_for_selector("#selftest-result")
        assert result.get_attribute("data-outcome") == "ok", (test, result.inner_text())
    tech.select_option("#selftest-bank", "B2")
    tech.fill("input#selftest-door", "4")
    tech.click("button#selftest-door")
    result = tech.wait_for_selector("#selftest-result")
    assert result.get_attribute("data-outcome") == "ok", result.inner_text()
    assert lane2.pulses(4) == 1
    with system.engine.connect() as conn:
        tests = [
            h["detail"]["args"]["test"]
            for h in audit.history(conn, "lane:lane-2")
            if h["action"] == "lane.command_result" and h["detail"]["kind"] == "self_test"
        ]
    assert tests == ["print", "frame", "lights", "door"]

    # a citizen releases on lane 2 (the lane's camera reads the code)
    lane2.scan(code)
    wait_for(lambda: system.office.get_document(doc["id"])["state"] == "released", 20, what="released")
    assert lane2.pulses(2) == 2  # the loading, then the pickup

    # lane 2 stops; a door opening queued meanwhile expires and is never run
    lane2.stop()
    other = system.office.create_document(kind="locker", title="STNK Budi", actor="test", door_size="M")
    open_door_from_the_page(staff, url, other["id"], "B2:3")
    warn = staff.wait_for_selector("#load-warn", timeout=(COMMAND_SECONDS + 15) * 1000)
    assert waiting_text(staff) == "Menunggu jalur Lajur Dua membuka pintu…"
    assert "pintu TIDAK dibuka" in warn.inner_text()
    assert staff.query_selector("#load-confirm") is None
    screenshot(staff, "two-lanes-command-expired")
    # a self-test queued while lane 2 is away expires too, and the dashboard says it was not run
    tech.goto(f"{url}/dashboard/lanes/lane-2")
    with tech.expect_navigation(timeout=(COMMAND_SECONDS + 15) * 1000):
        tech.click("#selftest-lights")
    assert "uji tidak dijalankan" in tech.inner_text("#selftest-result")
    opening, lights = [c for c in commands_of(system, "lane-2") if c["state"] == "expired"]
    assert opening["args"] == {"bank": "B2", "door": 3} and lights["args"] == {"test": "lights"}

    lane2.start()  # lane 2 comes back and long-polls again
    wait_for(lambda: system.commands.reachable("lane-2"), 30, what="lane 2 heartbeats again")
    seen = system.commands.version
    system.commands.self_test("lane-2", "lights", actor="test")  # it takes commands again...
    assert system.commands.version > seen
    journalled = lane2.journalled_commands()
    assert opening["id"] not in journalled and lights["id"] not in journalled  # ...never the expired
    assert lane2.pulses(3) == 0
    for page in (admin, staff, tech):
        page.context.close()


def commands_of(system, lane_id: str) -> list[dict]:
    from sqlalchemy import select

    from controller.office.db.tables import lane_commands

    with system.engine.connect() as conn:
        ids = (
            conn.execute(select(lane_commands.c.id).where(lane_commands.c.lane_id == lane_id)).scalars().all()
        )
    return [system.commands.get(command_id) for command_id in ids]
