"""``ambil bench fleet``: N simulated lanes against W office processes (the run: bench/fleet.py)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


def register(bench_subparsers) -> None:
    """Add ``fleet`` to the ``ambil bench`` sub-command group."""
    fleet = bench_subparsers.add_parser(
        "fleet", help="N lanes (heartbeats, claims) against W office workers on PostgreSQL"
    )
    fleet.add_argument("--lanes", type=int, nargs="+", default=[64], help="lane counts to run")
    fleet.add_argument(
        "--workers",
        type=int,
        nargs="+",
        default=[1, 2],
        help="office worker counts (each lane count runs with each)",
    )
    fleet.add_argument(
        "--pace", type=float, default=30.0, help="seconds between a lane's claims; 0 = back-to-back"
    )
    fleet.add_argument("--seconds", type=float, default=60.0, help="the measured window")
    fleet.add_argument("--warmup", type=float, default=10.0, help="lanes run this long before the window")
    fleet.add_argument("--client-processes", type=int, default=2, help="processes the lanes are spread over")
    fleet.add_argument(
        "--claims-per-lane",
        type=int,
        help="ready pickups per lane (default: enough for the pace; 200 back-to-back)",
    )
    fleet.add_argument(
        "--postgres",
        default=os.environ.get("AMBIL_TEST_POSTGRES", DEFAULT_POSTGRES),
        help="PostgreSQL URL (a fresh schema per run, dropped afterwards)",
    )
    fleet.add_argument(
        "--stop-one-worker-at", type=float, help="SIGTERM one worker this many seconds into the window"
    )
    fleet.add_argument(
        "--start-together",
        action="store_true",
        help="the workers start together on the empty schema (otherwise the bench migrates it first)",
    )
    fleet.add_argument("--poll-seconds", type=float, default=5.0, help="how often the fleet view is read")
    fleet.add_argument(
        "--notify-rate", type=float, help="citizen notifications queued per second (default: lanes / pace)"
    )
    fleet.add_argument("--no-dashboards", action="store_true", help="open no dashboard (to see their cost)")
    fleet.add_argument(
        "--profile", help="with --workers 1: run the office under cProfile, statistics to this file (+ .txt)"
    )
    fleet.add_argument("--json", help="also write the figures to this file")
    fleet.set_defaults(func=bench_fleet)


def bench_fleet(args: argparse.Namespace) -> int:
    from web.cli.bench.fleet import run_fleet

    if args.stop_one_worker_at is not None and min(args.workers) < 2:
        print(
            "--stop-one-worker-at needs --workers 2 or more (one worker is the whole office)", file=sys.stderr
        )
        return 2
    if args.profile and args.workers != [1]:
        print("--profile runs one office worker under cProfile: use --workers 1", file=sys.stderr)
        return 2
    results = []
    for lanes in args.lanes:
        by_workers = {}
        for workers in args.workers:
            result = run_fleet(
                lanes=lanes,
                workers=workers,
                postgres=args.postgres,
                pace=args.pace,
                seconds=args.seconds,
                warmup=args.warmup,
                client_processes=args.client_processes,
                claims_per_lane=args.claims_per_lane,
                stop_one_worker_at=args.stop_one_worker_at,
                start_together=args.start_together,
                poll_seconds=args.poll_seconds,
                dashboards=not args.no_dashboards,
                notify_rate=args.notify_rate,
                profile=Path(args.profile).resolve() if args.profile else None,
            )
            print("\n".join(result.lines()), flush=True)
            by_workers[workers] = result.claims_per_second
            results.append(result.to_dict())
        first = args.workers[0]
        for workers in args.workers[1:]:
            if by_workers[first]:
                ratio = by_workers[workers] / by_workers[first]
                print(f"lanes={lanes}: claims/s W={workers} / W={first} = {ratio:.2f}", flush=True)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(results, handle, indent=2)
    return 0 if all(_clean(r) for r in results) else 1


def _clean(result: dict) -> bool:
    """No HTTP error, nothing shown offline, no duplicate alert, no failed notification, and the
    office recorded the claims and releases the lanes were told of."""
    return (
        not result["errors"]
        and result["lanes_shown_offline"] == 0
        and result["fleet_polls_failed"] == 0
        and result["offline_alerts"] == 0
        and result["duplicate_open_alerts"] == 0
        and result["notifications_failed"] == 0
        # a claim with no answer may have reached the office or not; none unanswered: equal
        and result["granted"] <= result["claims_recorded"] <= result["granted"] + result["unanswered"]
        and result["reported"] == result["released_recorded"]
    )
