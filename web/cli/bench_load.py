"""``ambil bench load``: N simulated lanes against one office (web/cli/bench/load.py)."""

from __future__ import annotations

import argparse
import json
import os

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


def register(bench_subparsers) -> None:
    """Add ``load`` to the ``ambil bench`` sub-command group."""
    load = bench_subparsers.add_parser("load", help="N lanes claim against one office: claims/s, p50/p95/p99")
    load.add_argument("--lanes", type=int, nargs="+", default=[1, 8, 64], help="lane counts to run")
    load.add_argument("--claims", type=int, default=1000, help="pickups claimed per run")
    load.add_argument(
        "--database",
        nargs="+",
        default=["sqlite", os.environ.get("AMBIL_TEST_POSTGRES", DEFAULT_POSTGRES)],
        help="'sqlite' (a temporary file) and/or PostgreSQL URLs (a fresh schema per run)",
    )
    load.add_argument("--json", help="also write the figures to this file")
    load.set_defaults(func=bench_load)


def bench_load(args: argparse.Namespace) -> int:
    from web.app import create_app
    from web.cli.bench.load import run_load

    results = []
    for database in args.database:
        for lanes in args.lanes:
            url = None if database == "sqlite" else database
            result = run_load(
                app_factory=create_app, lanes=lanes, claims=max(args.claims, lanes), database_url=url
            )
            print(result.line(), flush=True)
            results.append(result.to_dict())
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(results, handle, indent=2)
    return 0 if all(r["errors"] == 0 for r in results) else 1
