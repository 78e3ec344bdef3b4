"""``ambil bench fleet``: N simulated lanes in P client processes against an office of W
processes on PostgreSQL, with a dashboard open on each worker (issue 13, point 7).

One run: a fresh schema; ``ambil serve --workers W`` on it (``fleet_office``: one port, the
workers share the socket; with ``start_together`` they start on the empty schema and race its
migration, otherwise the bench migrates it first); lanes, keys and ready pickups made before the
timed part; a technician's dashboard held on each worker and the fleet view polled
(``fleet_watch``); the lanes (``fleet_lanes``) start together, warm up, then the window of
``seconds`` is measured. Figures: claims/s, p50/p95/p99 of claims, reports and heartbeats,
HTTP errors by status, lanes shown offline while sending, duplicate open alerts, failed
notifications, office CPU (the workers' utime+stime over the window, % of one core), the
PostgreSQL backends' and the client processes' CPU (so a reader sees who was the bottleneck).
"""

from __future__ import annotations

import math
import multiprocessing
import secrets
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from web.cli.bench.figures import latency_row


@dataclass
class FleetResult:
    """The figures of one run (latencies in ms; CPU in % of one core over the window)."""

    workers: int
    lanes: int
    pace: float
    seconds: float
    claims_per_second: float
    claims: dict
    reports: dict
    heartbeats: dict
    heartbeats_per_second: float
    errors: dict  # "claim 503": n, ...
    errors_5xx: int
    lanes_shown_offline: int
    fleet_polls: int
    fleet_polls_failed: int
    duplicate_open_alerts: int
    offline_alerts: int
    notifications_failed: int
    office_cpu_percent: float
    backend_cpu_percent: float
    client_cpu_percent: float
    client_processes: int
    dashboards: int
    dashboard_events: int
    dashboard_mb: float
    granted: int
    claims_recorded: int
    reported: int
    released_recorded: int
    out_of_pickups: int
    unanswered: int = 0
    abandoned: int = 0
    stopped_worker: int | None = None
    office_tracebacks: int = 0
    database: dict = field(default_factory=dict)

    def lines(self) -> list[str]:
        def row(name: str, r: dict) -> str:
            return f"{name} p50/p95/p99 {r['p50_ms']:.1f}/{r['p95_ms']:.1f}/{r['p99_ms']:.1f} ms (n={r['n']})"

        pace = f"pace={self.pace:g}s" if self.pace else "back-to-back"
        errors = ", ".join(f"{k}: {v}" for k, v in sorted(self.errors.items())) or "none"
        return [
            f"W={self.workers} lanes={self.lanes} {pace} window={self.seconds:g}s: "
            f"{self.claims_per_second:.1f} claims/s, {self.heartbeats_per_second:.1f} heartbeats/s",
            "  " + row("claim", self.claims) + "; " + row("report", self.reports),
            "  " + row("heartbeat", self.heartbeats),
            f"  HTTP errors: {errors} (5xx: {self.errors_5xx}); lanes shown offline while sending: "
            f"{self.lanes_shown_offline} ({self.fleet_polls} fleet polls"
            + (f", {self.fleet_polls_failed} unanswered" if self.fleet_polls_failed else "")
            + "); lane.offline alerts raised: "
            f"{self.offline_alerts}; duplicate open alerts: {self.duplicate_open_alerts}",
            f"  notifications: {self.database['notifications_sent']} sent, "
            f"{self.database['notifications_pending']} pending at the end, "
            f"notifications failed: {self.notifications_failed}",
            f"  CPU (% of one core): office {self.office_cpu_percent:.0f}, its PostgreSQL backends "
            f"{self.backend_cpu_percent:.0f}, {self.client_processes} client processes "
            f"{self.client_cpu_percent:.0f}; dashboards {self.dashboards}/{self.workers} workers, "
            f"{self.dashboard_events} events, {self.dashboard_mb:.1f} MB",
            f"  claims granted {self.granted}, recorded {self.claims_recorded}"
            + (
                f" (+{self.unanswered} unanswered, {self.abandoned} of them reported abandoned)"
                if self.unanswered
                else ""
            )
            + f"; released reports delivered {self.reported} = released recorded {self.released_recorded}"
            + (f"; lanes out of pickups: {self.out_of_pickups}" if self.out_of_pickups else "")
            + (f"; worker {self.stopped_worker} stopped mid-run" if self.stopped_worker else "")
            + (f"; office tracebacks: {self.office_tracebacks}" if self.office_tracebacks else ""),
        ]

    def to_dict(self) -> dict:
        return asdict(self)


def run_fleet(
    *,
    lanes: int,
    workers: int,
    postgres: str,
    pace: float = 30.0,
    seconds: float = 60.0,
    warmup: float = 10.0,
    client_processes: int = 2,
    claims_per_lane: int | None = None,
    stop_one_worker_at: float | None = None,
    start_together: bool = False,
    poll_seconds: float = 5.0,
    dashboards: bool = True,
    profile: Path | None = None,
    notify_rate: float | None = None,
) -> FleetResult:
    """One run of ``lanes`` lanes against ``workers`` office processes (see the module docstring).

    ``dashboards`` False opens none (to see what they cost); ``profile`` (one worker only) runs
    the office under cProfile and writes its statistics there; ``notify_rate`` citizen
    notifications are queued a second during the run (default: one per claim at the pace)."""
    if stop_one_worker_at is not None and workers < 2:
        raise ValueError("--stop-one-worker-at needs --workers 2 or more (one worker is the whole office)")
    if profile is not None and workers != 1:
        raise ValueError("--profile runs one office worker under cProfile: use --workers 1")
    if profile is not None:
        profile.parent.mkdir(parents=True, exist_ok=True)
    from controller.office.db import make_engine
    from web.cli.bench.fleet_notify import Trickle
    from web.cli.bench.fleet_office import (
        PASSWORD,
        Office,
        database_figures,
        free_port,
        migrate_only,
        prepare,
        schema_url,
        write_config,
    )
    from web.cli.bench.fleet_watch import Watch
    from web.cli.bench.load import _pg_schema

    if claims_per_lane is None:  # enough for the run: one per pace, or a generous back-to-back share
        claims_per_lane = math.ceil((warmup + seconds) / pace) + 1 if pace > 0 else 200
    schema = f"ambil_fleet_{secrets.token_hex(4)}"
    _pg_schema(postgres, schema, create=True)
    engine = make_engine(postgres)
    office = None
    try:
        with tempfile.TemporaryDirectory(prefix="ambil-fleet-") as scratch:
            folder = Path(scratch)
            port = free_port()
            config = write_config(folder, schema_url(postgres, schema), port)
            if not start_together:
                migrate_only(config)
            office = Office(config, port, workers, folder / "office.out", profile)
            office.wait_ready()
            prepared = prepare(config, lanes, lanes * claims_per_lane, client_processes)
            watch = Watch(office, engine, schema, prepared.technician_key, PASSWORD, prepared.keys)
            watch.start(dashboards)
            trickle = Trickle(config, prepared.issued, notify_rate or (lanes / pace if pace else 20.0))
            trickle.start()
            try:
                timing = (pace, seconds, warmup, stop_one_worker_at, poll_seconds)
                clients, stopped = _run_lanes(office, watch, prepared, client_processes, *timing)
            finally:
                trickle.stop()
            seen = watch.finish()
            database = database_figures(engine, schema, watch.window)
            office.stop()
            tracebacks = office.output().count("Traceback")
            if tracebacks:  # say what went wrong: the office's folder goes with the run
                kept = Path(tempfile.gettempdir()) / f"{schema}-office.log"
                kept.write_text(office.output())
                print(f"office tracebacks: {tracebacks} (whole log: {kept}); they end in:", file=sys.stderr)
                print(_exceptions(office.output()), file=sys.stderr)
            office = None
    finally:
        if office is not None:
            office.stop()
        engine.dispose()
        _pg_schema(postgres, schema, create=False)
    return _result(workers, lanes, pace, seconds, clients, seen, database, stopped, tracebacks)


def _exceptions(log: str) -> str:
    """Each distinct exception line that ends a traceback in ``log``, with how often it came."""
    seen: dict[str, int] = {}
    for block in log.split("Traceback (most recent call last):")[1:]:
        lines = [line for line in block.splitlines() if line and not line.startswith(" ")]
        if lines:
            seen[lines[0][:300]] = seen.get(lines[0][:300], 0) + 1
    return "\n".join(f"  {n} x {line}" for line, n in sorted(seen.items(), key=lambda item: -item[1]))


def _run_lanes(office, watch, prepared, processes, pace, seconds, warmup, stop_at, poll_seconds):
    """Start the client processes, give them one start time, collect their figures."""
    from web.cli.bench.fleet_lanes import LaneSpec, Plan, client_main

    per_lane = len(prepared.hashes) // len(prepared.keys)
    specs = [
        LaneSpec(lane_id, key, prepared.hashes[n * per_lane : (n + 1) * per_lane])
        for n, (lane_id, key) in enumerate(prepared.keys.items())
    ]
    context = multiprocessing.get_context("spawn")
    pipes, children = [], []
    for number in range(processes):
        plan = Plan(office.base_url, specs[number::processes], pace, prepared.templates[number], seed=number)
        ours, theirs = context.Pipe()
        child = context.Process(target=client_main, args=(theirs, plan), daemon=True)
        child.start()
        pipes.append(ours)
        children.append(child)
    try:
        for pipe in pipes:
            if not pipe.poll(120) or pipe.recv() != "ready":
                raise RuntimeError("a client process did not start")
        start = time.time() + 0.5
        window = (start + warmup, start + warmup + seconds)
        for pipe in pipes:
            pipe.send((start, window))
        watch.open_window(*window, poll_seconds)
        stopped: list[int | None] = [None]
        if stop_at is not None:

            def stop_one() -> None:
                stopped[0] = office.stop_one_worker()

            threading.Timer(window[0] + stop_at - time.time(), stop_one).start()
        figures = []
        for pipe in pipes:
            if not pipe.poll(seconds + warmup + 180):
                raise RuntimeError("a client process did not finish")
            figures.append(pipe.recv())
        return figures, stopped[0]
    finally:
        for child in children:
            child.join(10)
            if child.is_alive():
                child.terminate()


def _result(workers, lanes, pace, seconds, clients, seen, database, stopped, tracebacks) -> FleetResult:
    errors: dict[str, int] = {}
    for client in clients:
        for what, n in client.status.items():
            errors[what] = errors.get(what, 0) + n

    def every(name: str) -> list[float]:
        return [value for client in clients for value in getattr(client, name)]

    def total(name: str) -> int:
        return sum(getattr(client, name) for client in clients)

    heartbeats = every("heartbeats")
    return FleetResult(
        workers=workers,
        lanes=lanes,
        pace=pace,
        seconds=seconds,
        claims_per_second=round(total("granted_in_window") / seconds, 1),
        claims=latency_row(every("claims")),
        reports=latency_row(every("reports")),
        heartbeats=latency_row(heartbeats),
        heartbeats_per_second=round(len(heartbeats) / seconds, 1),
        errors=errors,
        errors_5xx=sum(n for what, n in errors.items() if what.split()[-1].startswith("5")),
        lanes_shown_offline=len(seen.offline_seen),
        fleet_polls=seen.fleet_polls,
        fleet_polls_failed=seen.poll_errors,
        duplicate_open_alerts=database["duplicate_open_alerts"],
        offline_alerts=database["offline_alerts"],
        notifications_failed=database["notifications_failed"],
        office_cpu_percent=round(100 * seen.office_cpu_s / seconds, 1),
        backend_cpu_percent=round(100 * seen.backend_cpu_s / seconds, 1),
        client_cpu_percent=round(100 * sum(c.cpu_seconds for c in clients) / seconds, 1),
        client_processes=len(clients),
        dashboards=seen.dashboards,
        dashboard_events=seen.dashboard_events,
        dashboard_mb=round(seen.dashboard_bytes / 1e6, 2),
        granted=total("granted"),
        claims_recorded=database["claims_recorded"],
        reported=total("reported"),
        released_recorded=database["released_recorded"],
        out_of_pickups=total("out_of_pickups"),
        unanswered=total("unanswered"),
        abandoned=total("abandoned"),
        stopped_worker=stopped,
        office_tracebacks=tracebacks,
        database=database,
    )
