"""The office of ``ambil bench fleet``: ``ambil serve --workers W`` on a fresh PostgreSQL schema.

The office is started as an operator starts it (one port, uvicorn's supervisor and W worker
processes sharing the listening socket; the kernel hands each new connection to one of them), so
the figures are those of the documented deployment, a worker that dies is restarted by the
supervisor, and a lane needs no list of worker ports. What the office needs before the timed part
(lanes, their keys, a technician, the ready pickups and their queued notifications) is made
through the office's Python API on the same database (``build_office_parts``), as ``ambil
apikey create`` and ``ambil user add`` do.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text

TECHNICIAN = "fleet-bench-tech"
PASSWORD = "fleet-bench-password"  # a throwaway account on a throwaway schema
CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def schema_url(url: str, schema: str) -> str:
    """``url`` on ``schema``, its connections named after it (to find its PostgreSQL backends)."""
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options=-csearch_path%3D{schema}&application_name={schema}"


def write_config(folder: Path, database_url: str, port: int) -> Path:
    """The office's config file: the same one for the workers and for the preparation here."""
    config = folder / "office.toml"
    config.write_text(
        f'role = "office"\nstate_dir = "{folder / "state"}"\nlog_level = "WARNING"\n'
        f'[http]\nhost = "127.0.0.1"\nport = {port}\n'
        f'[office]\ndatabase_url = "{database_url}"\n'
    )
    return config


@dataclass
class Prepared:
    """What the lanes and the watchers need: each lane's key and pickups, a technician's key."""

    keys: dict[str, str]
    templates: list[tuple[str, str]]  # a template lane per client process: (id, key)
    hashes: list[str]
    issued: list[tuple[int, str]]  # (document id, code) of each pickup: its notification comes later
    technician_key: str
    offline_seconds: float


def prepare(config_path: Path, lanes: int, pickups: int, templates: int, threads: int = 3) -> Prepared:
    """Migrate (if the workers have not), register ``lanes`` lanes with their keys, a technician
    (a login and a key), and ``pickups`` ready print pickups with a citizen's phone number (their
    notifications are queued during the run: ``fleet_notify``)."""
    from controller.config import load_config
    from controller.kernel.codes import code_hash
    from controller.office.assemble import build_office_parts
    from web.cli.bench.load import _one_page_pdf
    from web.i18n.messages import CatalogTexts

    config = load_config(config_path)
    parts = build_office_parts(config, texts=CatalogTexts())
    try:
        office = parts.office
        keys = {}
        for number in range(1, lanes + 1):
            lane_id = f"bench-{number}"
            office.ensure_lane(lane_id, f"Bench {number}")
            keys[lane_id] = office.create_api_key("lane", lane_id=lane_id, label="fleet bench")
        template_keys = []
        for number in range(1, templates + 1):  # the lanes whose heartbeats the others copy
            lane_id = f"fleet-template-{number}"
            office.ensure_lane(lane_id, f"Fleet template {number}")
            template_keys.append(
                (lane_id, office.create_api_key("lane", lane_id=lane_id, label="fleet bench"))
            )
        with contextlib.suppress(Exception):  # already there when the schema is reused
            parts.accounts.create_user(TECHNICIAN, PASSWORD, "technician", actor="system:bench")
        technician_key = office.create_api_key("technician", label="fleet bench watcher")
        pdf = _one_page_pdf()

        def issue(number: int) -> str:
            doc = office.create_document(
                kind="print",
                title=f"Fleet bench {number}",
                actor="system:bench",
                pdf=pdf,
                citizen_phone=f"+62812{number:08d}",
            )
            return doc["id"], office.mark_ready(doc["id"], "system:bench").code

        with ThreadPoolExecutor(threads) as pool:  # the audit chain serialises most of it anyway
            issued = list(pool.map(issue, range(pickups)))
        hashes = [code_hash(code) for _, code in issued]
        return Prepared(
            keys, template_keys, hashes, issued, technician_key, config.office.lane_offline_seconds
        )
    finally:
        parts.engine.dispose()


def migrate_only(config_path: Path) -> None:
    """Bring a fresh schema to the newest version with its default kinds, before any worker starts."""
    from controller.config import load_config
    from controller.office.assemble import build_office_parts
    from web.i18n.messages import CatalogTexts

    build_office_parts(load_config(config_path), texts=CatalogTexts()).engine.dispose()


class Office:
    """A running ``ambil serve --workers W``: its URL, its worker processes, their CPU."""

    def __init__(
        self, config_path: Path, port: int, workers: int, log_path: Path, profile: Path | None = None
    ):
        self.base_url = f"http://127.0.0.1:{port}"
        self.workers = workers
        self.log_path = log_path
        self._cpu: dict[int, float] = {}  # every worker pid seen: its latest utime+stime (s)
        self._cpu_base: dict[int, float] = {}
        serve = ["serve", "--config", str(config_path), "--workers", str(workers)]
        if profile is not None:  # one worker only: web/cli/bench/fleet_profile.py
            command = [sys.executable, "-m", "web.cli.bench.fleet_profile", str(profile), *serve]
        else:
            command = [sys.executable, "-m", "web.cli", *serve]
        self.server = subprocess.Popen(
            command,
            stdout=log_path.open("w"),  # a file, not a pipe: a full pipe would stall the workers
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_ready(self, timeout: float = 120.0) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise RuntimeError(f"the office exited: {self.output()[-2000:]}")
            try:
                up = httpx.get(f"{self.base_url}/healthz", timeout=2).status_code == 200
            except httpx.HTTPError:
                up = False
            if up and len(self.worker_pids()) == self.workers:
                return
            time.sleep(0.2)
        raise RuntimeError(f"the office did not serve with {self.workers} workers in {timeout:.0f} s")

    def worker_pids(self) -> list[int]:
        """The supervisor's live worker processes (multiprocessing's spawn children, not its
        tracker); with one worker ``ambil serve`` serves from its own process."""
        if self.workers == 1:
            return [self.server.pid] if self.server.poll() is None else []
        try:
            children = Path(f"/proc/{self.server.pid}/task/{self.server.pid}/children").read_text().split()
        except OSError:
            return []
        pids = []
        for pid in map(int, children):
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if b"multiprocessing" in cmdline and b"resource_tracker" not in cmdline:
                pids.append(pid)
        return pids

    def sample_cpu(self) -> None:
        """Note each live worker's CPU so far (called often: a stopped worker keeps its last figure)."""
        for pid in self.worker_pids():
            seconds = process_cpu(pid)
            if seconds is not None:
                self._cpu[pid] = seconds
                self._cpu_base.setdefault(pid, 0.0)

    def start_window(self) -> None:
        self.sample_cpu()
        self._cpu_base = dict(self._cpu)

    def window_cpu(self) -> float:
        """CPU seconds of every worker since ``start_window`` (a worker started since counts whole)."""
        self.sample_cpu()
        return sum(seconds - self._cpu_base.get(pid, 0.0) for pid, seconds in self._cpu.items())

    def stop_one_worker(self) -> int | None:
        """SIGTERM one worker (as ``kill`` or an OOM-free restart would); its supervisor starts another."""
        pids = self.worker_pids()
        if not pids:
            return None
        self.sample_cpu()
        with contextlib.suppress(ProcessLookupError):
            os.kill(pids[0], signal.SIGTERM)
        return pids[0]

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.server.pid, signal.SIGTERM)
        try:
            self.server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.server.pid, signal.SIGKILL)
            self.server.wait()


def process_cpu(pid: int) -> float | None:
    """utime + stime of ``pid`` in seconds (None when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # fields 14 and 15 of proc(5)


def database_figures(engine, schema: str, window: tuple[float, float]) -> dict:
    """What the office's database says after the run: claims, duplicates, failed notifications,
    and the ``lane.offline`` alerts raised in the ``window`` (after it the lanes fall silent)."""
    with engine.connect() as conn:
        conn.exec_driver_sql(f'SET search_path TO "{schema}"')

        def one(sql: str) -> int:
            return int(conn.execute(text(sql), {"a": window[0], "b": window[1]}).scalar() or 0)

        return {
            "claims_recorded": one("SELECT count(*) FROM claims WHERE lane_id LIKE 'bench-%'"),
            "released_recorded": one(
                "SELECT count(*) FROM claims WHERE lane_id LIKE 'bench-%' AND outcome = 'released'"
            ),
            "duplicate_open_alerts": one(
                "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM alerts "
                "WHERE status = 'open' GROUP BY lane_id, rule HAVING count(*) > 1) AS twice"
            ),
            "offline_alerts": one(
                "SELECT count(*) FROM alerts WHERE rule = 'lane.offline' "
                "AND raised_at >= :a AND raised_at < :b"
            ),
            "alerts": one("SELECT count(*) FROM alerts"),
            "notifications_failed": one("SELECT count(*) FROM notifications WHERE status = 'failed'"),
            "notifications_pending": one("SELECT count(*) FROM notifications WHERE status = 'pending'"),
            "notifications_sent": one("SELECT count(*) FROM notifications WHERE status = 'sent'"),
        }


def backend_cpu(engine, schema: str) -> dict[int, float]:
    """utime+stime so far of each PostgreSQL backend serving ``schema`` (same machine only)."""
    with engine.connect() as conn:
        pids = (
            conn.execute(
                text("SELECT pid FROM pg_stat_activity WHERE application_name = :name"), {"name": schema}
            )
            .scalars()
            .all()
        )
    found = {pid: process_cpu(pid) for pid in pids}
    return {pid: seconds for pid, seconds in found.items() if seconds is not None}
