"""``ambil bench reader|release|footprint``: the benchmarks of issue 7 (see docs/benchmarks.md)."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import socket
import threading
import time
from collections.abc import Iterator

log = logging.getLogger(__name__)

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


def register(bench_subparsers) -> None:
    """Add ``reader``, ``release`` and ``footprint`` to the ``ambil bench`` sub-command group."""
    reader = bench_subparsers.add_parser("reader", help="the QR reader against the raw decoders")
    reader.add_argument("dirs", nargs="*", help="corpus folders (category folders, image + .txt)")
    reader.add_argument(
        "--frames", type=int, default=300, help="synthetic lane frames with a code (and as many without)"
    )
    reader.add_argument(
        "--hard-frames",
        type=int,
        default=0,
        help="hard lane frames with a code (glare, blur, night, ...; and as many without), issue 14",
    )
    reader.add_argument("--seed", type=int, default=7)
    reader.add_argument("--hard-seed", type=int, default=11)
    reader.add_argument("--json", help="also write the figures to this file")
    reader.set_defaults(func=bench_reader)

    release = bench_subparsers.add_parser("release", help="decoded code -> relay / print job, p50/p95/p99")
    release.add_argument("--n", type=int, default=1000, help="releases of each kind per mode")
    release.add_argument(
        "--postgres",
        default=os.environ.get("AMBIL_TEST_POSTGRES", DEFAULT_POSTGRES),
        help="PostgreSQL URL for the office (a fresh schema is made); 'none' to skip",
    )
    release.add_argument("--json", help="also write the figures to this file")
    release.set_defaults(func=bench_release)

    footprint = bench_subparsers.add_parser("footprint", help="lane process memory and time to ready")
    footprint.add_argument("--frames", type=int, default=10000)
    footprint.add_argument("--json", help="also write the figures to this file")
    footprint.set_defaults(func=bench_footprint)


def bench_reader(args: argparse.Namespace) -> int:
    from web.cli.bench.reader_bench import run_reader_bench

    result = run_reader_bench(
        args.dirs,
        code_frames=args.frames,
        hard_frames=args.hard_frames,
        seed=args.seed,
        hard_seed=args.hard_seed,
    )
    return _finish(result, args)


def bench_release(args: argparse.Namespace) -> int:
    from web.cli.bench.release_bench import bench_release as run

    modes = ["all-in-one", "loopback-http"]
    if args.postgres and args.postgres.lower() != "none":
        modes.append("postgres")
    result = run(args.n, modes=tuple(modes), serve=serve_on_loopback, postgres_url=args.postgres)
    return _finish(result, args)


def bench_footprint(args: argparse.Namespace) -> int:
    from web.cli.bench.footprint import bench_footprint as run

    return _finish(run(frames=args.frames), args)


def _finish(result: dict, args: argparse.Namespace) -> int:
    if getattr(args, "json", None):
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(result, out, indent=1, default=str)
    return 0 if all(t["met"] for t in result.get("targets", [])) else 1


@contextlib.contextmanager
def serve_on_loopback(system) -> Iterator[str]:
    """Serve ``system`` (its app's lifespan starts and stops it) with uvicorn on 127.0.0.1."""
    import uvicorn

    from web.app import create_app
    from web.cli.serve import fast_io

    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say they are TCP; without it
    # each response waits for the client's delayed ACK (40 ms), which `ambil serve` never does
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(system), log_config=None, access_log=False, lifespan="on", **fast_io())
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="bench-office", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)
