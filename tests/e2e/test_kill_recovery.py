"""kill -9 of the lane process between INTENT and DONE, then restart: never a second actuation.

The whole `ambil serve` runs as a child process on a config with simulated devices that persist
what they did (the sim printer's jobs.json and outbox, the sim locker's fsynced pulse log), so the
test can count actuations across the kill. The kill comes at an exact point the test waits for
(the journal's INTENT row with its print job id, the job processing; the door's pulse logged),
so there is one right outcome after the restart, not a choice of two.

Each test runs twice: all-in-one (office in the lane's process, SQLite), and as a lane process
(``role = "lane"``) of an office of two worker processes on PostgreSQL (``ambil serve
--workers 2``, issue 13), where the lane's claim, report and recovery may each reach either worker.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from controller.config import load_config
from controller.office.assemble import build_office
from controller.office.blobs import BlobStore
from controller.office.db import make_engine
from controller.office.office import Office
from tests.conftest import make_pdf
from tests.rigs.cups_rig import free_port
from tests.rigs.office_workers import office_processes
from tests.rigs.postgres import schema_url
from tests.rigs.wait import wait_for

LANE_ID = "lane-1"
DEVICES = """
[lane]
result_seconds = 1.0
# a 12 s job the lane gives up on after 10 s: the kill mid-job has seconds to spare on a busy
# machine; after the restart recovery follows the job for min(10 s, print_timeout)
print_timeout = 10.0
door_open_timeout = 30.0
{lane_link}
[lane.printer]
type = "sim"
seconds_per_page = 2.0
[[lane.lockers]]
type = "sim"
id = "A"
doors = 4
stuck_doors = [2]
"""
LANE_LINK = f"""id = "{LANE_ID}"
office_url = "{{office}}"
api_key = "{{key}}"
"""


class LaneProcess:
    """``ambil serve`` with simulated devices: all-in-one, or a lane of office workers (``office``)."""

    def __init__(self, tmp_path: Path, office=None):
        self.state = tmp_path / "state"
        self.port = free_port()
        self.config_path = tmp_path / "ambil.toml"
        self.office = office  # OfficeProcesses, or None: all-in-one
        self.url = f"http://127.0.0.1:{self.port}"
        self.office_url = office.base_url if office else self.url
        self.office_config = office.config_path if office else self.config_path
        self.proc: subprocess.Popen | None = None
        self.log = tmp_path / "serve.log"

    def make_key(self) -> str:
        """An admin key of the office (for the lane of office workers: also its lane key)."""
        if self.office is None:
            self._write_config("")
            office, engine = build_office(load_config(self.config_path))
            try:
                return office.create_api_key("admin", label="test")
            finally:
                engine.dispose()
        engine = make_engine(self.office.database_url)
        try:
            setup = Office(engine, BlobStore(self.office.state_dir / "blobs"), b"k" * 32)
            setup.ensure_lane(LANE_ID, site="MPP")
            setup.ensure_locker_bank("A", LANE_ID, 4)
            lane_key = setup.create_api_key("lane", lane_id=LANE_ID)
            admin_key = setup.create_api_key("admin", label="test")
        finally:
            engine.dispose()
        self._write_config(LANE_LINK.format(office=self.office.base_url, key=lane_key))
        return admin_key

    def _write_config(self, lane_link: str) -> None:
        role = 'role = "lane"\n' if self.office else ""
        self.config_path.write_text(
            f'{role}state_dir = "{self.state}"\n[http]\nport = {self.port}\n'
            + DEVICES.format(lane_link=lane_link)
        )

    def start(self) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "web.cli", "serve", "--config", str(self.config_path)],
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            env=env,
        )

        def lane_ready():
            try:
                return httpx.get(f"{self.url}/api/v1/lane", timeout=1).json()["view"]["state"] == "ready"
            except (httpx.HTTPError, ValueError, KeyError):
                return False

        wait_for(lane_ready, 60, interval=0.05, what=f"ambil serve to be ready (log: {self.log})")

    def kill9(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(20)

    def lane_state(self) -> str:
        return httpx.get(f"{self.url}/api/v1/lane", timeout=10).json()["view"]["state"]

    def outcomes(self) -> dict:
        """The release outcomes this process counted (since it started)."""
        return httpx.get(f"{self.url}/api/v1/lane", timeout=10).json()["counters"]["outcomes"]

    def releases(self) -> list[tuple[str, str, dict]]:
        """(claim_id, stage, action) of every release in the lane's journal, read beside the lane."""
        (path,) = (self.state / "lane").glob("*-journal.db")
        db = sqlite3.connect(path, timeout=30)
        try:
            rows = db.execute("SELECT claim_id, stage, action FROM releases ORDER BY created_at").fetchall()
        finally:
            db.close()
        return [(claim, stage, json.loads(action) if action else {}) for claim, stage, action in rows]

    def sim_jobs(self) -> list[dict]:
        path = self.state / "sim" / "printer" / "jobs.json"
        return json.loads(path.read_text())["jobs"] if path.exists() else []

    def clients(self, key: str) -> tuple[httpx.Client, httpx.Client]:
        """(the office's API, the lane's API), both with ``key``."""
        headers = {"Authorization": f"Bearer {key}"}
        return (
            httpx.Client(base_url=self.office_url, headers=headers, timeout=10),
            httpx.Client(base_url=self.url, headers=headers, timeout=10),
        )

    def audit_verify(self) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "web.cli", "audit", "verify", "--config", str(self.office_config)],
            capture_output=True,
            text=True,
        )


def doc_state(api: httpx.Client, doc: dict) -> str:
    return api.get(f"/api/v1/documents/{doc['id']}").json()["state"]


@pytest.fixture(params=["all-in-one", "office-workers"])
def lane_process(request, tmp_path):
    with contextlib.ExitStack() as stack:
        office = None
        if request.param == "office-workers":
            schema = request.getfixturevalue("pg_schema")
            office = stack.enter_context(office_processes(tmp_path, schema_url(schema), workers=2))
        process = LaneProcess(tmp_path, office)
        stack.callback(process.stop)
        yield process


def test_kill_during_print_then_restart_never_prints_twice(lane_process):
    key = lane_process.make_key()
    lane_process.start()
    api, lane = lane_process.clients(key)
    doc = api.post(
        "/api/v1/documents",
        data={"kind": "print", "title": "Akta"},
        files={"file": ("akta.pdf", make_pdf(6), "application/pdf")},
    ).json()
    code = api.post(f"/api/v1/documents/{doc['id']}/ready").json()["code"]
    lane.post("/api/v1/lane/scan", json={"text": code})

    def mid_job():
        """INTENT written with the job id, the job printing, DONE not yet: the claim id, or None."""
        releases = lane_process.releases()
        if len(releases) != 1 or releases[0][1] != "intent" or "job_id" not in releases[0][2]:
            return None
        claim_id = releases[0][0]
        jobs = [job for job in lane_process.sim_jobs() if job["name"] == claim_id]
        return claim_id if jobs and jobs[0]["state"] == "processing" else None

    claim_id = wait_for(mid_job, 60, interval=0.05, what="the print job under way")
    lane_process.kill9()
    # what the kill left: still mid-job (a kill that came too late would fail here, not below)
    assert [(c, stage) for c, stage, _ in lane_process.releases()] == [(claim_id, "intent")]
    (job,) = lane_process.sim_jobs()
    assert (job["name"], job["state"]) == (claim_id, "processing") and job["pages_done"] < 6, job

    lane_process.start()
    # recovery found the job unfinished and not moving: nobody knows whether paper came out
    # a lane of office workers reports its recovery as it reports releases: soon, not at once
    wait_for(lambda: doc_state(api, doc) == "uncertain", 30, interval=0.05, what="the document uncertain")
    # the same code shown again after the restart starts no new print job
    lane.post("/api/v1/lane/scan", json={"text": code})
    assert wait_for(lane_process.outcomes, 30, interval=0.05, what="the second showing handled") == {
        "refused": 1
    }
    assert len(lane_process.sim_jobs()) == 1
    verify = lane_process.audit_verify()
    assert verify.returncode == 0, verify.stdout


def test_kill_while_watching_a_door_then_restart_never_pulses_twice(lane_process):
    key = lane_process.make_key()
    lane_process.start()
    api, lane = lane_process.clients(key)
    doc = api.post(
        "/api/v1/documents",
        data={"kind": "locker", "title": "KTP-el", "locker_bank": "A", "door": "2", "loaded": "true"},
    ).json()
    code = api.post(f"/api/v1/documents/{doc['id']}/ready").json()["code"]
    pulses = lane_process.state / "sim" / "locker-A-pulses.jsonl"
    lane.post("/api/v1/lane/scan", json={"text": code})
    wait_for(lambda: pulses.exists() and pulses.read_text().count("\n") == 1, 60, what="one pulse")
    lane_process.kill9()  # the stuck door never opens: the lane was waiting for its sensor
    assert [stage for _, stage, _ in lane_process.releases()] == ["intent"]  # mid-release

    lane_process.start()
    # a lane of office workers reports its recovery as it reports releases: soon, not at once
    wait_for(lambda: doc_state(api, doc) == "uncertain", 30, interval=0.05, what="the document uncertain")
    lane.post("/api/v1/lane/scan", json={"text": code})
    assert wait_for(lane_process.outcomes, 30, interval=0.05, what="the second showing handled") == {
        "refused": 1
    }
    assert pulses.read_text().count("\n") == 1
