"""Load benchmark: N simulated lanes claim and report pickups against one office over HTTP.

The office runs as its own process (``app_factory(system)`` served by uvicorn on loopback), so
the lanes' Python threads do not share its interpreter lock. Each lane is a thread with its own
HTTP client and lane API key; it claims its share of the ready pickups flat out (``POST
/api/v1/claims``) and reports each one released, like a lane with an instant printer. The
figures: claims per second over the whole run and the claim latency percentiles.

This module builds no web app itself (``web -> controller``): the caller passes ``app_factory``.
"""

from __future__ import annotations

import logging
import multiprocessing
import secrets
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass
class LoadResult:
    """The figures of one run."""

    database: str
    lanes: int
    claims: int
    seconds: float
    claims_per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int

    def line(self) -> str:
        return (
            f"{self.database:<10} lanes={self.lanes:<3} claims={self.claims:<5} "
            f"{self.claims_per_second:7.1f} claims/s  p50={self.p50_ms:6.1f} ms  "
            f"p95={self.p95_ms:6.1f} ms  p99={self.p99_ms:6.1f} ms  errors={self.errors}"
        )

    def to_dict(self) -> dict:
        return asdict(self)


def percentile(sorted_values: list[float], share: float) -> float:
    """Nearest-rank percentile of an already sorted list (0.0 for an empty one)."""
    if not sorted_values:
        return 0.0
    rank = max(1, min(len(sorted_values), round(share * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(config, app_factory, port: int) -> None:  # runs in the office process
    import uvicorn

    from web.app import build_system
    from web.cli.serve import fast_io

    logging.basicConfig(level=logging.WARNING)
    system = build_system(config)
    # the loop and parser `ambil serve` runs, so the load figures are the served office's
    uvicorn.run(
        app_factory(system), host="127.0.0.1", port=port, log_config=None, access_log=False, **fast_io()
    )


def _issue(office, count: int, pdf: bytes) -> list[str]:
    from controller.kernel.codes import code_hash

    hashes = []
    for number in range(count):
        doc = office.create_document(kind="print", title=f"Bench {number}", actor="system:bench", pdf=pdf)
        hashes.append(code_hash(office.mark_ready(doc["id"], "system:bench").code))
    return hashes


def _one_page_pdf() -> bytes:
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def run_load(
    *,
    app_factory: Callable,
    lanes: int,
    claims: int,
    database_url: str | None = None,
    state_dir: Path | None = None,
    label: str | None = None,
) -> LoadResult:
    """Issue ``claims`` pickups, then let ``lanes`` lanes claim and report them all over HTTP.

    ``database_url`` None uses a SQLite file in ``state_dir``; a PostgreSQL URL gets a fresh
    schema for the run, dropped afterwards.
    """
    if lanes < 1 or claims < lanes:
        raise ValueError("need at least one lane and one claim per lane")
    with tempfile.TemporaryDirectory(prefix="ambil-load-") as scratch:
        state = Path(state_dir) if state_dir is not None else Path(scratch)
        schema = None
        url = database_url
        if url is not None and url.startswith(("postgresql", "postgres")):
            schema = f"ambil_load_{secrets.token_hex(4)}"
            _pg_schema(url, schema, create=True)
            url = f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
        try:
            return _run(app_factory, lanes, claims, url, state, label or _backend(url))
        finally:
            if schema is not None:
                _pg_schema(database_url, schema, create=False)


def _backend(url: str | None) -> str:
    return "postgresql" if url and url.startswith("postgres") else "sqlite"


def _pg_schema(url: str, schema: str, *, create: bool) -> None:
    from controller.office.db import make_engine

    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            statement = f'CREATE SCHEMA "{schema}"' if create else f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'
            conn.exec_driver_sql(statement)
    finally:
        engine.dispose()


def _run(app_factory, lanes: int, claims: int, url: str | None, state: Path, label: str) -> LoadResult:
    import httpx

    from controller.config import parse_config
    from controller.office.assemble import build_office

    data = {"role": "office", "state_dir": str(state)}
    if url is not None:
        data["office"] = {"database_url": url}
    config = parse_config(data)
    office, engine = build_office(config)
    keys = []
    for lane in range(1, lanes + 1):
        office.ensure_lane(f"bench-{lane}", f"Bench {lane}")
        keys.append(office.create_api_key("lane", lane_id=f"bench-{lane}", label="bench"))
    hashes = _issue(office, claims, _one_page_pdf())
    engine.dispose()  # the office process opens its own connections

    port = _free_port()
    context = multiprocessing.get_context("spawn")
    server = context.Process(target=_serve, args=(config, app_factory, port), daemon=True)
    server.start()
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, server)
        shares = [hashes[lane::lanes] for lane in range(lanes)]
        latencies: list[list[float]] = [[] for _ in range(lanes)]
        errors = [0] * lanes
        barrier = threading.Barrier(lanes + 1)

        def lane_worker(index: int) -> None:
            headers = {"Authorization": f"Bearer {keys[index]}"}
            with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
                barrier.wait()
                for number, key in enumerate(shares[index]):
                    claim_id = f"bench-{index + 1}-{number}"
                    began = time.perf_counter()
                    reply = client.post("/api/v1/claims", json={"code_hash": key, "claim_id": claim_id})
                    latencies[index].append(time.perf_counter() - began)
                    if reply.status_code != 200:
                        errors[index] += 1
                        continue
                    done = client.post(f"/api/v1/claims/{claim_id}/report", json={"outcome": "released"})
                    if done.status_code >= 300:
                        errors[index] += 1

        threads = [threading.Thread(target=lane_worker, args=(i,), daemon=True) for i in range(lanes)]
        for thread in threads:
            thread.start()
        barrier.wait()
        began = time.perf_counter()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - began
    finally:
        server.terminate()
        server.join(20)
    ordered = sorted(value for lane in latencies for value in lane)
    result = LoadResult(
        database=label,
        lanes=lanes,
        claims=len(ordered),
        seconds=round(seconds, 3),
        claims_per_second=round(len(ordered) / seconds, 1),
        p50_ms=round(percentile(ordered, 0.50) * 1000, 1),
        p95_ms=round(percentile(ordered, 0.95) * 1000, 1),
        p99_ms=round(percentile(ordered, 0.99) * 1000, 1),
        errors=sum(errors),
    )
    log.info("load: %s", result.line())
    return result


def _wait_ready(base: str, server) -> None:
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if not server.is_alive():
            raise RuntimeError("the office process exited during start")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the office did not answer /healthz within 60 s")
