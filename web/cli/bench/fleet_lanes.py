"""The simulated lanes of ``ambil bench fleet``: one client process runs many lanes on asyncio.

Each lane has its own API key and its own ``httpx.AsyncClient`` and sends what a real lane sends:

- its heartbeat every ``lane.heartbeat_seconds`` (the config's default, 3 s): the report is
  ``controller.lane.heartbeat.build_heartbeat`` of a real lane with simulated hardware started in
  this process (devices, doors, host health), with the lane's own id, name, time and counters,
  sent in full or as a keepalive as the lane's ``HeartbeatSender`` decides;
- claims of its share of the ready pickups, each followed by its ``released`` report, the
  request bodies built by the lane's own HTTP link (``HttpOfficeLink.claim`` / ``.report``),
  captured before they leave, then sent with the lane's key. ``pace`` seconds between claims
  (jittered start), or back-to-back when 0. The PDF fetch of a print is not made (as in
  ``ambil bench load``): its cost is the file's size, not the office's logic.

Timings are kept only for requests that start inside the measured window; counts of granted
claims and delivered reports cover the whole run, so the caller can compare them with the
office's database.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import resource
import sys
import time
from dataclasses import dataclass, field

from controller.kernel import heartbeat as protocol
from controller.lane.heartbeat import FULL_EVERY_S
from web.cli.bench.fleet_bodies import HeartbeatSource, LaneBodies

REPORT_TRIES = 5


def _lane_timeout() -> float:
    """The lane link's own bound on a claim, report or heartbeat (``HttpOfficeLink``'s default):
    an answer later than that is, for a lane, no answer."""
    import inspect

    from controller.lane.link.http import HttpOfficeLink

    return inspect.signature(HttpOfficeLink).parameters["timeout"].default


LANE_TIMEOUT = _lane_timeout()


@dataclass
class LaneSpec:
    """One simulated lane: its id, its key, the code hashes of the pickups it may claim."""

    lane_id: str
    key: str
    hashes: list[str]


@dataclass
class Plan:
    """What one client process does: its lanes, where the office is, when the window is."""

    base_url: str
    lanes: list[LaneSpec]
    pace: float
    template: tuple[str, str]  # the lane id and key of this process's template lane
    seed: int = 0
    start_at: float = 0.0  # wall clock: lanes begin (sent when every client process is up)
    window: tuple[float, float] = (0.0, 0.0)  # wall clock: timings kept for requests started in [a, b)


@dataclass
class ClientFigures:
    """What one client process measured (latencies in seconds)."""

    claims: list[float] = field(default_factory=list)
    reports: list[float] = field(default_factory=list)
    heartbeats: list[float] = field(default_factory=list)
    status: dict[str, int] = field(default_factory=dict)  # "claim 503", "heartbeat transport", ...
    granted_in_window: int = 0  # claims granted that started in the window
    granted: int = 0  # whole run
    reported: int = 0  # whole run: released reports delivered
    unanswered: int = 0  # whole run: claims with no answer or a 5xx (the office may have one)
    abandoned: int = 0  # whole run: their abandoned reports the office acknowledged
    heartbeats_sent: int = 0  # whole run, answered 2xx
    out_of_pickups: int = 0  # lanes that ran out of ready pickups before the end
    cpu_seconds: float = 0.0  # this process, over the window


def client_main(conn, plan: Plan) -> None:
    """One client process: start the template lane, say ready, take the start time and window
    from ``conn`` (so no lane starts before every process is up), run, send the figures back."""
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:  # pragma: no cover - uvloop is a dependency where it installs
        runner = asyncio.run
    logging.basicConfig(level=logging.ERROR)  # the template lane's own chatter stays out of the output
    _no_sniffio_search()
    source = HeartbeatSource(plan.base_url, plan.template)
    try:
        clients = _clients(plan)
        conn.send("ready")
        plan.start_at, plan.window = conn.recv()
        conn.send(runner(_run(plan, source, clients)))
    finally:
        source.close()
        conn.close()


def _no_sniffio_search() -> None:
    """httpcore imports ``sniffio`` on every async request; where it is not installed each
    attempt searches the whole path again (measured: 0.4 ms of a client's CPU per request, a
    quarter of it). A None in ``sys.modules`` makes the failed import immediate."""
    try:
        import sniffio  # noqa: F401
    except ImportError:
        sys.modules["sniffio"] = None


def _cpu_now() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _clients(plan: Plan) -> list:
    """An HTTP client per lane, made before the start (a thousand take seconds): one TLS context
    for all (httpx would load the CA bundle for each, though the office is plain HTTP here)."""
    import ssl

    import httpx

    context = ssl.create_default_context()
    # a pooled connection per lane is what a Pi holds; the limits stay above one lane's needs
    limits = httpx.Limits(max_connections=4, max_keepalive_connections=2)
    return [
        httpx.AsyncClient(
            base_url=plan.base_url,
            headers={"Authorization": f"Bearer {lane.key}", "Content-Type": "application/json"},
            timeout=LANE_TIMEOUT,
            limits=limits,
            verify=context,
        )
        for lane in plan.lanes
    ]


async def _run(plan: Plan, source: HeartbeatSource, clients: list) -> ClientFigures:
    import httpx

    figures = ClientFigures()
    bodies = LaneBodies()
    rng = random.Random(plan.seed)
    end = plan.window[1]
    released = [0] * len(plan.lanes)

    def keep(kind: list[float], began: float, seconds: float) -> None:
        if plan.window[0] <= began < plan.window[1]:
            kind.append(seconds)

    def count(what: str) -> None:
        figures.status[what] = figures.status.get(what, 0) + 1

    async def send(client, built, kind: list[float], name: str):
        """The answer (None when none came); counted unless 2xx."""
        method, path, content = built
        began = time.time()
        t0 = time.perf_counter()
        try:
            reply = await client.request(method, path, content=content)
        except httpx.HTTPError as exc:
            count(f"{name} {type(exc).__name__}")
            return None
        keep(kind, began, time.perf_counter() - t0)
        if reply.status_code >= 300:
            count(f"{name} {reply.status_code}")
        elif kind is figures.claims and plan.window[0] <= began < plan.window[1]:
            figures.granted_in_window += 1
        return reply

    def unreachable(reply) -> bool:
        # no answer, or a 5xx: the office unwell, as the lane's link maps it (link/errors.refusal)
        return reply is None or reply.status_code >= 500

    async def report(client, built) -> bool:
        # the lane's reporter retries an outcome until the office answers (controller/lane/reporter.py)
        for _ in range(REPORT_TRIES):
            reply = await send(client, built, figures.reports, "report")
            if not unreachable(reply):
                return reply.status_code < 300
            await asyncio.sleep(1.0)
        return False

    async def cpu_over_window() -> None:
        await asyncio.sleep(max(0.0, plan.window[0] - time.time()))
        at_start = _cpu_now()
        await asyncio.sleep(max(0.0, plan.window[1] - time.time()))
        figures.cpu_seconds = _cpu_now() - at_start

    async def beat(index: int, acked: list) -> bool:
        """One heartbeat as ``HeartbeatSender._send`` decides it (controller/lane/heartbeat.py):
        a keepalive while the office holds this content's digest and a full report is not due,
        else (or when the office answers ``send_full``) the full report. ``acked``: [digest, at]."""
        lane, client = plan.lanes[index], clients[index]
        report, now = source.body(lane.lane_id, released[index]), time.monotonic()
        mine = protocol.digest(report)
        if mine == acked[0] and now - acked[1] < FULL_EVERY_S:
            reply = await send(
                client, bodies.heartbeat(protocol.keepalive(report, mine)), figures.heartbeats, "heartbeat"
            )
            if reply is None or reply.status_code >= 300:
                acked[0] = None
                return False
            if not reply.json().get(protocol.SEND_FULL):
                return True
        reply = await send(client, bodies.heartbeat(report), figures.heartbeats, "heartbeat")
        if reply is None or reply.status_code >= 300:
            acked[0] = None  # the office may have lost it meanwhile: full next time
            return False
        held = reply.json().get("digest")
        acked[0], acked[1] = (held if held == mine else None), now
        return True

    async def heartbeats(index: int) -> None:
        await asyncio.sleep(max(0.0, plan.start_at - time.time()) + rng.uniform(0, source.heartbeat_seconds))
        acked = [None, float("-inf")]
        while time.time() < end:
            next_at = time.monotonic() + source.heartbeat_seconds
            figures.heartbeats_sent += await beat(index, acked)
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))

    async def claims(index: int) -> None:
        lane = plan.lanes[index]
        first = rng.uniform(0, plan.pace) if plan.pace > 0 else rng.uniform(0, 0.2)
        await asyncio.sleep(max(0.0, plan.start_at - time.time()) + first)
        for number, code_hash in enumerate(lane.hashes):
            if time.time() >= end:
                return
            next_at = time.monotonic() + plan.pace
            claim_id = f"{lane.lane_id}-{number}-{os.getpid()}"
            reply = await send(clients[index], bodies.claim(code_hash, claim_id), figures.claims, "claim")
            if reply is not None and reply.status_code == 200:
                figures.granted += 1
                built = bodies.report(claim_id, "released", f"job {number + 1} completed")  # a print's detail
                if await report(clients[index], built):
                    figures.reported += 1
                    released[index] += 1
            elif unreachable(reply):  # the grant may be lost on the way: the lane says it walked away
                figures.unanswered += 1
                built = bodies.report(claim_id, "abandoned", "office.unreachable")
                figures.abandoned += await report(clients[index], built)
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
        figures.out_of_pickups += 1

    try:
        tasks = [asyncio.create_task(heartbeats(i)) for i in range(len(plan.lanes))]
        tasks += [asyncio.create_task(claims(i)) for i in range(len(plan.lanes))]
        tasks.append(asyncio.create_task(cpu_over_window()))
        await asyncio.gather(*tasks)
    finally:
        for client in clients:
            await client.aclose()
    return figures
