"""``ambil bench release``: from a decoded code to the relay energised and to the print job accepted.

A lane with simulated devices releases ``n`` locker pickups and ``n`` print pickups, one after
the other, each from ``Lane.on_read`` (what the scanner calls with a decoded text). The clock
stops when the simulated locker's pulse starts (the relay energises) or when ``submit`` of the
simulated printer returns (a CUPS job would be accepted). Modes:
- ``all-in-one``: the office in the same process (SQLite);
- ``loopback-http``: a lane System talking to an office System served by uvicorn on 127.0.0.1;
- ``postgres``: as ``loopback-http``, with the office on PostgreSQL in a fresh schema.
Serving over HTTP is the web layer's job, so the caller hands in ``serve`` (see
``web.cli.bench.commands``): controller code never imports web.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import secrets
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from controller.config import parse_config
from hardware.locker.sim import SimLockerBank
from hardware.printer.sim import SimPrinter
from web.app import build_system
from web.cli.bench.figures import Target, latency_row

log = logging.getLogger(__name__)

# serve(system) -> a context manager yielding the base URL it serves ``system`` at
Serve = Callable[[object], contextlib.AbstractContextManager[str]]
DOORS = 128
# a pause before each read: the lane's background work of the release before (the report, the
# door watch) is over, as it is when cars arrive seconds apart
SETTLE_S = 0.01
TARGETS_MS = {
    ("all-in-one", "relay"): 20.0,
    ("loopback-http", "relay"): 50.0,
    ("postgres", "relay"): 50.0,
    ("all-in-one", "print"): 100.0,
    ("loopback-http", "print"): 100.0,
    ("postgres", "print"): 100.0,
}


class _Stopwatch:
    """Marks the moment a device was reached; the bench waits on it."""

    def __init__(self):
        self.at: float | None = None
        self.event = threading.Event()

    def arm(self) -> None:
        self.at = None
        self.event.clear()

    def mark(self) -> None:
        self.at = time.perf_counter()
        self.event.set()


class TimedLockerBank(SimLockerBank):
    """A SimLockerBank that marks when each pulse starts (the relay energises)."""

    def __init__(self, stopwatch: _Stopwatch, **options):
        super().__init__(**options)
        self.stopwatch = stopwatch

    def pulse(self, door: int, ms: int) -> int:
        self.stopwatch.mark()
        return super().pulse(door, ms)


class TimedPrinter(SimPrinter):
    """A SimPrinter that marks when ``submit`` returns (the job is accepted)."""

    def __init__(self, stopwatch: _Stopwatch, **options):
        super().__init__(**options)
        self.stopwatch = stopwatch

    def submit(self, pdf: Path, job_name: str) -> int:
        job = super().submit(pdf, job_name)
        self.stopwatch.mark()
        return job

    def forget_finished(self) -> None:
        """Drop finished jobs but the last. The simulator rewrites its whole job list at every
        change, so over 1,000 prints its bookkeeping would grow into the measured ``submit`` and
        hold the GIL against the lane; a real CUPS keeps its history in another process."""
        with self._changed:
            last = max(self._jobs, default=None)
            for job_id in [j for j, job in self._jobs.items() if job.status.state.final and j != last]:
                del self._jobs[job_id]


def blank_pdf() -> bytes:
    """A one-page PDF (A4, empty)."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def bench_release(
    n: int = 1000,
    *,
    modes: tuple[str, ...] = ("all-in-one", "loopback-http"),
    serve: Serve | None = None,
    postgres_url: str | None = None,
    out=print,
) -> dict:
    """Run each mode; print and return mode -> {"relay": latency_row, "print": latency_row}."""
    results: dict[str, dict] = {}
    for mode in modes:
        if mode != "all-in-one" and serve is None:
            raise ValueError(f"mode {mode} needs serve (an HTTP server for the office)")
        with tempfile.TemporaryDirectory(prefix=f"ambil-bench-{mode}-") as state:
            database = _postgres_schema_url(postgres_url) if mode == "postgres" else None
            results[mode] = _run_mode(mode, n, Path(state), serve=serve, database_url=database)
        out(f"{mode}: decoded -> relay energised {_fmt(results[mode]['relay'])}")
        out(f"{mode}: decoded -> print job accepted {_fmt(results[mode]['print'])}")
    targets = release_targets(results)
    out("targets:")
    for target in targets:
        out("  " + target.line())
    return {"modes": results, "targets": [t.as_dict() for t in targets]}


def release_targets(results: dict) -> list[Target]:
    return [
        Target(f"{mode} decoded -> {what} p95", results[mode][what]["p95_ms"], limit, True, " ms")
        for (mode, what), limit in TARGETS_MS.items()
        if mode in results
    ]


def _fmt(row: dict) -> str:
    head = f"n={row['n']} p50 {row['p50_ms']} ms, p95 {row['p95_ms']} ms"
    return f"{head}, p99 {row['p99_ms']} ms, max {row['max_ms']} ms"


def _lane_settings(state: Path) -> dict:
    return {
        "result_seconds": 0.05,
        "dedupe_seconds": 0.05,
        "door_open_timeout": 2.0,
        "print_timeout": 10.0,
        "printer": {"type": "sim", "seconds_per_page": 0.0},
        "lockers": [{"type": "sim", "id": "A", "doors": DOORS}],
    }


def _run_mode(mode: str, n: int, state: Path, *, serve: Serve | None, database_url: str | None) -> dict:
    stopwatch = _Stopwatch()
    bank = TimedLockerBank(stopwatch, name="A", doors=DOORS, open_delay=0.0, close_after=0.2, realtime=False)
    printer = TimedPrinter(stopwatch, outbox=state / "printer", seconds_per_page=0.0)
    drivers = {"printer": printer, "lockers": {"A": bank}}
    with contextlib.ExitStack() as stack:
        if mode == "all-in-one":
            config = parse_config({"state_dir": str(state / "aio"), "lane": _lane_settings(state)})
            system = build_system(config, **drivers)
            office = system.office
            system.start()
            stack.callback(system.stop)
        else:
            office_data = {"role": "office", "state_dir": str(state / "office")}
            if database_url:
                office_data["office"] = {"database_url": database_url}
            office_system = build_system(parse_config(office_data))
            office = office_system.office
            office.ensure_lane("lane-1")
            office.ensure_locker_bank("A", "lane-1", DOORS)
            lane_key = office.create_api_key("lane", lane_id="lane-1")
            url = stack.enter_context(serve(office_system))
            lane_data = {"role": "lane", "state_dir": str(state / "lane")}
            lane_data["lane"] = {**_lane_settings(state), "office_url": url, "api_key": lane_key}
            system = build_system(parse_config(lane_data), **drivers)
            system.start()
            stack.callback(system.stop)
        lane = system.lane
        # follow each print job closely: the clock has stopped at submit, this only shortens the run
        lane.releaser.prints.settings = dataclasses.replace(
            lane.releaser.prints.settings, poll_interval=0.005
        )
        _wait(lambda: lane.screen.view.state == "ready", 20, "lane ready")
        pdf = blank_pdf()
        relay, printed = [], []
        for index in range(2 * n):
            locker = index % 2 == 0
            door = (index // 2) % DOORS + 1
            if locker:
                doc = office.create_document(
                    kind="locker", title="KTP-el", actor="bench", locker_bank="A", door=door, loaded_at=_now()
                )
            else:
                doc = office.create_document(kind="print", title="SKCK", actor="bench", pdf=pdf)
            code = office.mark_ready(doc["id"], "bench").code
            time.sleep(SETTLE_S)
            stopwatch.arm()
            start = time.perf_counter()
            lane.on_read(code)
            if not stopwatch.event.wait(10):
                raise RuntimeError(f"release {index} ({'locker' if locker else 'print'}) reached no device")
            (relay if locker else printed).append(stopwatch.at - start)
            # the outcome reported and acknowledged: the next car finds a quiet lane, as in life
            _wait(lambda d=doc["id"]: office.get_document(d)["state"] != "ready", 10, "release reported")
            _wait(lambda: not lane.journal.unreported(), 10, "report acknowledged")
            if not locker:
                printer.forget_finished()
        return {"relay": latency_row(relay), "print": latency_row(printed)}


def _postgres_schema_url(url: str | None) -> str:
    """A fresh schema on ``url`` (created here), as a URL that makes it the search path."""
    from sqlalchemy import create_engine, make_url

    base = make_url(url or "postgresql://postgres@127.0.0.1:5432/test").set(drivername="postgresql+psycopg")
    schema = f"bench_{secrets.token_hex(4)}"
    engine = create_engine(base)
    with engine.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    engine.dispose()
    return base.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False
    )


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.002)


def _now() -> float:
    return time.time()  # the office keeps timestamps as Unix seconds
