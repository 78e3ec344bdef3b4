"""``ambil bench footprint``: the lane process's resident memory and its time from start to ready.

What a lane Pi runs: ``ambil serve`` with ``role = "lane"`` (the lane, its screen and API, a real
``CameraScanner``), talking over HTTP to an office in another process. Both are started here as
child processes from the command line (``command``, by default ``python -m web.cli``), so the
figures are those of the deployed process, web server included. The camera reads a looping
synthetic 1280x720 video (lane frames, one in ten with a pickup-shaped code). Reported: seconds
from starting the lane process to its ``/readyz`` answering 200 (Python start included), its
resident memory (VmRSS) then, and after ``frames`` camera frames were decoded, and its peak (VmHWM).
Targets: ready within 3 s, under 150 MB resident.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from web.cli.bench.figures import Target

READY_TARGET_S = 3.0
RSS_TARGET_MB = 150.0
# a well-formed pickup code the office does not know: each read is a refused claim, as in life
UNKNOWN_CODE = "AMB1" + "A" * 26


def bench_footprint(
    frames: int = 10000, *, fps_cap: float = 120.0, command: list[str] | None = None, out=print
) -> dict:
    """Start an office and a lane process; print and return the lane's figures and targets."""
    command = command or [sys.executable, "-m", "web.cli"]
    with tempfile.TemporaryDirectory(prefix="ambil-footprint-") as tmp:
        state = Path(tmp)
        lane_toml = _prepare(state, fps_cap)
        with _Child(
            command + ["serve", "--config", str(state / "office.toml")], state / "office.log"
        ) as office:
            _wait_http(_url(state, "office") + "/healthz", 60, office, "the office to start")
            started = time.monotonic()
            with _Child(command + ["serve", "--config", str(lane_toml)], state / "lane.log") as lane:
                _wait_http(_url(state, "lane") + "/readyz", 60, lane, "the lane to be ready")
                ready_s = round(time.monotonic() - started, 2)
                rss_ready = _status_mb(lane.pid, "VmRSS")
                seen = _wait_frames(_url(state, "lane"), frames, timeout=60 + frames / 20, child=lane)
                figures = {
                    "ready_s": ready_s,
                    "rss_ready_mb": rss_ready,
                    "rss_after_mb": _status_mb(lane.pid, "VmRSS"),
                    "rss_peak_mb": _status_mb(lane.pid, "VmHWM"),
                    "frames": seen,
                }
    out(f"lane process (role lane, office in another process): ready after {figures['ready_s']} s")
    out(
        f"resident memory: {figures['rss_ready_mb']} MB at ready, {figures['rss_after_mb']} MB after "
        f"{figures['frames']} frames (peak {figures['rss_peak_mb']} MB)"
    )
    targets = [
        Target("time from start to ready", figures["ready_s"], READY_TARGET_S, True, " s"),
        Target("resident memory after the frames", figures["rss_after_mb"], RSS_TARGET_MB, True, " MB"),
    ]
    out("targets:")
    for target in targets:
        out("  " + target.line())
    return {**figures, "targets": [t.as_dict() for t in targets]}


def rss_mb(pid: int | str = "self") -> float:
    """A process's resident set size in MB (Linux /proc)."""
    return _status_mb(pid, "VmRSS")


def _status_mb(pid: int | str, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def _prepare(state: Path, fps_cap: float) -> Path:
    """The office database with the lane and its API key, the video, and both config files."""
    from controller.config import parse_config
    from web.app import build_system
    from web.cli.bench.lane_frames import blank_frame, phone_frame, write_video

    office = build_system(parse_config({"role": "office", "state_dir": str(state / "office")})).office
    office.ensure_lane("lane-1")
    key = office.create_api_key("lane", lane_id="lane-1")
    office.engine.dispose()
    video = state / "lane.avi"
    write_video([blank_frame(seed=i) for i in range(9)] + [phone_frame(UNKNOWN_CODE, seed=3)], video)
    office_port, lane_port = _free_port(), _free_port()
    (state / "ports.json").write_text(json.dumps({"office": office_port, "lane": lane_port}))
    (state / "office.toml").write_text(
        f'role = "office"\nstate_dir = "{state / "office"}"\n[http]\nport = {office_port}\n'
    )
    lane_toml = state / "lane.toml"
    lane_toml.write_text(
        f'role = "lane"\nstate_dir = "{state / "lane"}"\n[http]\nport = {lane_port}\n'
        f'[lane]\noffice_url = "http://127.0.0.1:{office_port}"\napi_key = "{key}"\n'
        f'[lane.scanner]\ntype = "camera"\nsource = "{video}"\nloop = true\nfps_cap = {fps_cap}\n'
        f"idle_fps = {min(fps_cap, 60.0)}\n"  # keep decoding: the memory of a busy lane, not an idle one
    )
    return lane_toml


def _url(state: Path, which: str) -> str:
    return f"http://127.0.0.1:{json.loads((state / 'ports.json').read_text())[which]}"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Child:
    """A child process with its output in a log file, stopped (SIGTERM, then SIGKILL) on exit."""

    def __init__(self, args: list[str], log: Path):
        self.args, self.log = args, log

    def __enter__(self) -> subprocess.Popen:
        self._out = self.log.open("wb")
        self.proc = subprocess.Popen(self.args, stdout=self._out, stderr=subprocess.STDOUT)
        self.proc.log = self.log  # for the error message when it dies
        return self.proc

    def __exit__(self, *exc) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._out.close()


def _get_json(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, {}


def _alive(child: subprocess.Popen, what: str) -> None:
    if child.poll() is not None:
        tail = child.log.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"the process for {what} exited with {child.returncode}:\n{tail}")


def _wait_http(url: str, timeout: float, child: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _alive(child, what)
        try:
            if _get_json(url)[0] == 200:
                return
        except OSError:
            pass  # not listening yet
        time.sleep(0.02)
    raise RuntimeError(f"timed out waiting for {what}")


def _wait_frames(lane_url: str, frames: int, *, timeout: float, child: subprocess.Popen) -> int:
    """Camera frames the lane decoded, once at least ``frames`` (the lane API, from loopback)."""
    deadline = time.monotonic() + timeout
    while True:
        _alive(child, "the lane")
        status, body = _get_json(lane_url + "/api/v1/lane")
        seen = (
            body.get("devices", {}).get("scanner", {}).get("info", {}).get("scanned", 0)
            if status == 200
            else 0
        )
        if seen >= frames:
            return seen
        if time.monotonic() > deadline:
            raise RuntimeError(f"the lane decoded {seen} frames of {frames} in time")
        time.sleep(0.2)
