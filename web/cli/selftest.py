"""``ambil selftest print|door|frame|lights [--bank B --door N]``: ask the running lane to test itself.

The lane runs the test (same locks and journal as a release) through its local API
(``POST /api/v1/lane/selftest``); on the Pi itself no key is needed (loopback).
"""

from __future__ import annotations

import json
import sys

from controller.lane.selftest import DOOR_TEST, SELF_TESTS


def register(subparsers) -> None:
    """Add the ``selftest`` subcommand to the ``ambil`` parser's subparsers."""
    cmd = subparsers.add_parser("selftest", help="run a self-test on the running lane (technician)")
    cmd.add_argument("test", choices=SELF_TESTS)
    cmd.add_argument("--bank", help="locker bank id (door test)")
    cmd.add_argument("--door", type=int, help="door number (door test)")
    cmd.add_argument(
        "--confirm-held",
        action="store_true",
        help="open the door even though an item awaiting pickup is behind it (needs --reason)",
    )
    cmd.add_argument("--reason", default="", help="why a door holding an item is opened (on its record)")
    cmd.add_argument("--url", default="http://127.0.0.1:8080", help="the lane's base URL")
    cmd.add_argument("--key", help="a technician API key; not needed on the lane itself")
    cmd.set_defaults(func=run)


def run(args) -> int:
    """Print the lane's answer; exit 0 when the test passed, 1 when not, 2 when unreachable."""
    import httpx

    if args.test == DOOR_TEST and (not args.bank or args.door is None):
        print("the door test needs --bank and --door", file=sys.stderr)
        return 2
    body = {"test": args.test}
    if args.test == DOOR_TEST:
        body.update(bank=args.bank, door=args.door, confirm_held=args.confirm_held, reason=args.reason)
    headers = {"Authorization": f"Bearer {args.key}"} if args.key else {}
    try:
        with httpx.Client(base_url=args.url, headers=headers, timeout=120) as http:
            response = http.post("/api/v1/lane/selftest", json=body)
    except httpx.HTTPError as exc:
        print(f"cannot reach the lane at {args.url}: {exc}", file=sys.stderr)
        return 2
    try:
        answer = response.json()
    except ValueError:
        print(f"HTTP {response.status_code}: {response.text[:200]}", file=sys.stderr)
        return 2
    print(json.dumps(answer, indent=2, ensure_ascii=False))
    if response.status_code >= 400:
        return 2
    return 0 if answer.get("outcome") == "ok" else 1
