"""The office as its own processes: ``ambil serve --workers N`` on a PostgreSQL schema.

Used where a test must show what holds across office processes (claims raced over HTTP, a
worker killed mid-request), not across threads of one process.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.rigs.cups_rig import free_port
from tests.rigs.wait import wait_for


@dataclass
class OfficeProcesses:
    """A running ``ambil serve --workers N``: its URL, state dir and supervisor process."""

    base_url: str
    state_dir: Path
    server: subprocess.Popen
    log: Path
    config_path: Path
    database_url: str

    def output(self) -> str:
        """Everything the supervisor and its workers wrote so far."""
        return self.log.read_text(errors="replace")

    def worker_pids(self) -> list[int]:
        """The supervisor's live worker processes (uvicorn restarts one that dies)."""
        children = Path(f"/proc/{self.server.pid}/task/{self.server.pid}/children")
        pids = [int(pid) for pid in children.read_text().split()]
        return [pid for pid in pids if _is_worker(pid)]


def _is_worker(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    # multiprocessing's spawn children; the resource tracker is a child too and is not a worker
    return b"multiprocessing" in cmdline and b"resource_tracker" not in cmdline


@contextlib.contextmanager
def office_processes(
    tmp_path: Path, database_url: str, workers: int, extra: str = ""
) -> Iterator[OfficeProcesses]:
    """Start the office with ``workers`` processes; stop it (SIGTERM to its group) afterwards."""
    port = free_port()
    state = tmp_path / "office-state"
    config = tmp_path / "office.toml"
    config.write_text(
        f'role = "office"\nstate_dir = "{state}"\n'
        f'[http]\nhost = "127.0.0.1"\nport = {port}\n'
        f'[office]\ndatabase_url = "{database_url}"\n{extra}'
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "web.cli", "serve", "--config", str(config), "--workers", str(workers)],
        # files, not pipes: a full pipe would block the workers' logging mid-run
        stdout=(tmp_path / "office.out").open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    running = OfficeProcesses(
        f"http://127.0.0.1:{port}", state, server, tmp_path / "office.out", config, database_url
    )

    def up() -> bool:
        if server.poll() is not None:
            raise AssertionError(f"the office exited: {running.output()[-3000:]}")
        try:
            return httpx.get(f"{running.base_url}/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_for(up, timeout=90, what="the office workers to serve")
        if workers > 1:  # one worker is the supervisor's own process: no children to count
            wait_for(lambda: len(running.worker_pids()) == workers, timeout=30, what=f"{workers} workers")
        yield running
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
