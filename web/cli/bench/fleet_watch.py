"""What ``ambil bench fleet`` watches while the lanes run: one dashboard on each office worker,
the fleet view (lanes shown offline), and the office's CPU.

A dashboard is a technician logged in through ``/login`` holding ``/dashboard/events`` (SSE)
open, as a browser does. The workers share one listening socket, so which worker serves a
connection is the kernel's choice: each dashboard connects, finds the worker holding the other
end of its TCP connection (``/proc/net/tcp`` and the workers' file descriptors), and keeps the
connection only if that worker has no dashboard yet; otherwise it connects again. A dashboard
whose stream ends (its worker stopped) reconnects, as EventSource does.

Everything here runs on one asyncio loop in a thread of the bench's own process.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from web.cli.bench.fleet_office import TECHNICIAN, Office, backend_cpu


@dataclass
class WatchFigures:
    """What the watchers saw during the measured window."""

    dashboards: int = 0  # workers with a dashboard at the window's end
    dashboard_events: int = 0
    dashboard_bytes: int = 0
    fleet_polls: int = 0
    offline_seen: set[str] = field(default_factory=set)  # sending lanes shown offline
    poll_errors: int = 0
    office_cpu_s: float = 0.0
    backend_cpu_s: float = 0.0


def _server_inode(server_port: int, client_port: int) -> str | None:
    """The socket inode of the office's end of the connection from ``client_port``."""
    local, remote = f"0100007F:{server_port:04X}", f"0100007F:{client_port:04X}"
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        parts = line.split()
        if parts[1] == local and parts[2] == remote:
            return parts[9]
    return None


def _owner(pids: list[int], inode: str) -> int | None:
    target = f"socket:[{inode}]"
    for pid in pids:
        with contextlib.suppress(OSError):
            for fd in os.listdir(f"/proc/{pid}/fd"):
                with contextlib.suppress(OSError):
                    if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                        return pid
    return None


class Watch:
    """Dashboards, fleet polls and CPU samples on a loop of their own, until ``finish``."""

    def __init__(self, office: Office, engine, schema: str, technician_key: str, password: str, lanes):
        self.office = office
        self.engine = engine
        self.schema = schema
        self.technician_key = technician_key
        self.password = password
        self.lanes = set(lanes)
        self.figures = WatchFigures()
        self._holders: dict[int, int] = {}  # worker pid -> dashboard number
        self._window: tuple[float, float] | None = None
        self._last_poll_started = False
        self._backends: dict[int, float] = {}
        self._backend_base: dict[int, float] = {}
        self._loop = asyncio.new_event_loop()
        self._stopping: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, name="fleet-watch", daemon=True)
        self._tasks: list[asyncio.Future] = []

    # -- driven from the bench's main thread ----------------------------------------------------
    def start(self, dashboards: bool = True, timeout: float = 150.0) -> None:
        """Log in, then hold a dashboard on each worker (waits until each has one)."""
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._begin(dashboards), self._loop).result(timeout)
        if not dashboards:
            return
        deadline = time.monotonic() + timeout
        while len(self._holders) < self.office.workers:
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"dashboards reached {len(self._holders)} of {self.office.workers} workers"
                )
            time.sleep(0.1)

    @property
    def window(self) -> tuple[float, float]:
        """The measured window (wall clock), once opened."""
        return self._window

    def open_window(self, start: float, end: float, poll_seconds: float) -> None:
        self._window = (start, end)
        future = asyncio.run_coroutine_threadsafe(self._windowed(poll_seconds), self._loop)
        self._tasks.append(future)

    def finish(self) -> WatchFigures:
        """Wait for the window's last poll, then close every connection."""
        for future in self._tasks:
            future.result(120)
        asyncio.run_coroutine_threadsafe(self._end(), self._loop).result(30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()
        return self.figures

    # -- on the watch loop ------------------------------------------------------------------------
    async def _begin(self, dashboards: bool) -> None:
        import httpx

        self._stopping = asyncio.Event()
        self._http = httpx.AsyncClient(base_url=self.office.base_url, timeout=60)
        if dashboards:
            page = (await self._http.get("/login")).text
            token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
            form = {"username": TECHNICIAN, "password": self.password, "csrf_token": token}
            answer = await self._http.post("/login", data=form)
            if answer.status_code != 303:
                raise RuntimeError(f"the technician's login answered {answer.status_code}")
            for number in range(self.office.workers):
                self._dashboards = getattr(self, "_dashboards", [])
                self._dashboards.append(asyncio.ensure_future(self._dashboard(number)))

    async def _dashboard(self, number: int) -> None:
        import httpx

        port = int(self.office.base_url.rsplit(":", 1)[1])
        pause = 0.05
        while not self._stopping.is_set():
            # each connection renders the whole fleet once: a dashboard that keeps landing on a
            # worker that has one already must not become a load of its own
            await asyncio.sleep(pause)
            pause = min(1.0, pause * 2)
            try:
                async with (
                    httpx.AsyncClient(
                        base_url=self.office.base_url, cookies=self._http.cookies, timeout=None
                    ) as client,
                    client.stream("GET", "/dashboard/events") as stream,
                ):
                    client_port = stream.extensions["network_stream"].get_extra_info("client_addr")[1]
                    inode = _server_inode(port, client_port)
                    worker = _owner(self.office.worker_pids(), inode) if inode else None
                    if worker is None or worker in self._holders:
                        continue  # another connection: the kernel picks the worker
                    self._holders[worker] = number
                    pause = 0.05
                    try:
                        async for chunk in stream.aiter_bytes():
                            if self._in_window():
                                self.figures.dashboard_bytes += len(chunk)
                                self.figures.dashboard_events += chunk.count(
                                    b"event:"
                                )  # the SSE events, not its pings
                    finally:
                        self._holders.pop(worker, None)
            except httpx.HTTPError:
                pass

    def _in_window(self) -> bool:
        return self._window is not None and self._window[0] <= time.time() < self._window[1]

    async def _windowed(self, poll_seconds: float) -> None:
        start, end = self._window
        await asyncio.sleep(max(0.0, start - time.time()))
        self.office.start_window()
        self._backend_base = await asyncio.to_thread(backend_cpu, self.engine, self.schema)
        self._backends = dict(self._backend_base)
        # polls run beside the CPU samples: a fleet view that answers late must not stretch the
        # window the CPU is counted over
        polls = []
        next_poll = time.time() + min(poll_seconds, max(0.5, end - time.time() - 1.0))
        while time.time() < end:
            await asyncio.sleep(max(0.0, min(1.0, end - time.time())))
            if time.time() >= next_poll and time.time() < end - 0.5:
                polls.append(asyncio.ensure_future(self._poll()))
                next_poll += poll_seconds
            if time.time() >= end - 0.5 and not self._last_poll_started:
                self._last_poll_started = True  # the last look, just before the lanes stop
                polls.append(asyncio.ensure_future(self._poll()))
            await asyncio.to_thread(self._sample)
        self.figures.office_cpu_s = self.office.window_cpu()
        self.figures.backend_cpu_s = sum(
            s - self._backend_base.get(p, 0.0) for p, s in self._backends.items()
        )
        self.figures.dashboards = len(self._holders)
        await asyncio.gather(*polls)

    def _sample(self) -> None:
        self.office.sample_cpu()
        with contextlib.suppress(Exception):  # a sample missed is a backend's last second missed
            self._backends.update(backend_cpu(self.engine, self.schema))

    async def _poll(self) -> None:
        headers = {"Authorization": f"Bearer {self.technician_key}"}
        try:
            answer = await self._http.get("/api/v1/fleet", headers=headers)
        except Exception:  # noqa: BLE001 - counted: a watcher must not end the run
            self.figures.poll_errors += 1
            return
        if answer.status_code != 200:
            self.figures.poll_errors += 1
            return
        self.figures.fleet_polls += 1
        for lane in answer.json()["lanes"]:
            if lane["lane_id"] in self.lanes and not lane["online"]:
                self.figures.offline_seen.add(lane["lane_id"])

    async def _end(self) -> None:
        self._stopping.set()
        for task in getattr(self, "_dashboards", []):
            task.cancel()
        await asyncio.gather(*getattr(self, "_dashboards", []), return_exceptions=True)
        await self._http.aclose()
