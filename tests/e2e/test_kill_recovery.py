"""kill -9 of the lane process between INTENT and DONE, then restart: never a second actuation.

The whole `ambil serve` runs as a child process on a config with simulated devices that persist
what they did (the sim printer's jobs.json and outbox, the sim locker's fsynced pulse log), so the
test can count actuations across the kill. The kill comes at an exact point the test waits for
(the journal's INTENT row with its print job id, the job processing; the door's pulse logged),
so there is one right outcome after the restart, not a choice of two.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from controller.config import load_config
from controller.office.assemble import build_office
from tests.conftest import make_pdf
from tests.rigs.wait import wait_for

CONFIG = """
state_dir = "{state}"
[http]
port = {port}
[lane]
result_seconds = 1.0
# a 12 s job the lane gives up on after 10 s: the kill mid-job has seconds to spare on a busy
# machine; after the restart recovery follows the job for min(10 s, print_timeout)
print_timeout = 10.0
door_open_timeout = 30.0
[lane.printer]
type = "sim"
seconds_per_page = 2.0
[[lane.lockers]]
type = "sim"
id = "A"
doors = 4
stuck_doors = [2]
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LaneProcess:
    def __init__(self, tmp_path: Path):
        self.state = tmp_path / "state"
        self.port = free_port()
        self.config_path = tmp_path / "ambil.toml"
        self.config_path.write_text(CONFIG.format(state=self.state, port=self.port))
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.log = tmp_path / "serve.log"

    def make_key(self) -> str:
        office, engine = build_office(load_config(self.config_path))
        try:
            return office.create_api_key("admin", label="test")
        finally:
            engine.dispose()

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


@pytest.fixture
def lane_process(tmp_path):
    process = LaneProcess(tmp_path)
    yield process
    process.stop()


def test_kill_during_print_then_restart_never_prints_twice(lane_process):
    key = lane_process.make_key()
    lane_process.start()
    api = httpx.Client(base_url=lane_process.url, headers={"Authorization": f"Bearer {key}"}, timeout=10)
    doc = api.post(
        "/api/v1/documents",
        data={"kind": "print", "title": "Akta"},
        files={"file": ("akta.pdf", make_pdf(6), "application/pdf")},
    ).json()
    code = api.post(f"/api/v1/documents/{doc['id']}/ready").json()["code"]
    api.post("/api/v1/lane/scan", json={"text": code})

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
    assert api.get(f"/api/v1/documents/{doc['id']}").json()["state"] == "uncertain"
    # the same code shown again after the restart starts no new print job
    api.post("/api/v1/lane/scan", json={"text": code})
    assert wait_for(lane_process.outcomes, 30, interval=0.05, what="the second showing handled") == {
        "refused": 1
    }
    assert len(lane_process.sim_jobs()) == 1
    verify = subprocess.run(
        [sys.executable, "-m", "web.cli", "audit", "verify", "--config", str(lane_process.config_path)],
        capture_output=True,
        text=True,
    )
    assert verify.returncode == 0, verify.stdout


def test_kill_while_watching_a_door_then_restart_never_pulses_twice(lane_process):
    key = lane_process.make_key()
    lane_process.start()
    api = httpx.Client(base_url=lane_process.url, headers={"Authorization": f"Bearer {key}"}, timeout=10)
    doc = api.post(
        "/api/v1/documents",
        data={"kind": "locker", "title": "KTP-el", "locker_bank": "A", "door": "2", "loaded": "true"},
    ).json()
    code = api.post(f"/api/v1/documents/{doc['id']}/ready").json()["code"]
    pulses = lane_process.state / "sim" / "locker-A-pulses.jsonl"
    api.post("/api/v1/lane/scan", json={"text": code})
    wait_for(lambda: pulses.exists() and pulses.read_text().count("\n") == 1, 60, what="one pulse")
    lane_process.kill9()  # the stuck door never opens: the lane was waiting for its sensor
    assert [stage for _, stage, _ in lane_process.releases()] == ["intent"]  # mid-release

    lane_process.start()
    assert api.get(f"/api/v1/documents/{doc['id']}").json()["state"] == "uncertain"
    api.post("/api/v1/lane/scan", json={"text": code})
    assert wait_for(lane_process.outcomes, 30, interval=0.05, what="the second showing handled") == {
        "refused": 1
    }
    assert pulses.read_text().count("\n") == 1
