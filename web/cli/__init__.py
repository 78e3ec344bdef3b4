"""The ``ambil`` command line: serve, check config, decode images, drive a simulated lane, keys, doctor.

Not HTTP: it parses arguments and calls the controller (``commands``, ``first_key``,
``selftest``, ``speech``); ``bench/`` holds the benchmarks. May import: ``controller``, ``hardware`` (the
benchmarks only) and ``web``.
"""

from __future__ import annotations

import argparse
import sys

from web.cli import commands
from web.cli import serve as serve_command
from web.cli import speech as speech_command
from web.cli.bench import commands as bench_commands
from web.cli.bench import fleet_command as bench_fleet
from web.cli.bench import load_command as bench_load


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ambil", description="Drive-thru document pickup controller.")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run ambil (no --config: all-in-one demo with simulated hardware)")
    serve.add_argument("--config", "-c", help="TOML config file")
    serve.add_argument("--host", help="listen address (overrides http.host)")
    serve.add_argument("--port", type=int, help="listen port (overrides http.port)")
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="office processes sharing the port (role = office on PostgreSQL only; default 1)",
    )
    serve.set_defaults(func=serve_command.serve)

    config = sub.add_parser("config", help="configuration tools")
    config_sub = config.add_subparsers(dest="config_command", required=True)
    check = config_sub.add_parser("check", help="validate a config file: prints ok or each error")
    check.add_argument("file")
    check.set_defaults(func=commands.config_check)
    show = config_sub.add_parser("show", help="print the effective config (defaults filled in)")
    show.add_argument("file", nargs="?")
    show.set_defaults(func=commands.config_show)

    decode = sub.add_parser("decode", help="print the QR texts found in each image")
    decode.add_argument("images", nargs="+")
    decode.set_defaults(func=commands.decode)

    lane = sub.add_parser("lane", help="talk to a running lane")
    lane_sub = lane.add_subparsers(dest="lane_command", required=True)
    for name, helptext in (
        ("show", "show an image to the lane's simulated camera"),
        ("scan", "make the simulated scanner read a text"),
    ):
        cmd = lane_sub.add_parser(name, help=helptext)
        cmd.add_argument("image" if name == "show" else "text")
        cmd.add_argument("--url", default="http://127.0.0.1:8080", help="the lane's base URL")
        cmd.add_argument("--key", help="an API key (technician/admin); not needed on the lane itself")
        cmd.set_defaults(func=commands.lane_show if name == "show" else commands.lane_scan)
    safe_off = lane_sub.add_parser(
        "safe-off", help="switch every locker relay off (systemd's ExecStopPost; no running lane needed)"
    )
    safe_off.add_argument("--config", "-c", help="TOML config file (its [[lane.lockers]] banks)")
    safe_off.set_defaults(func=commands.lane_safe_off)
    status = lane_sub.add_parser("status", help="print the lane's state and devices")
    status.add_argument("--url", default="http://127.0.0.1:8080")
    status.add_argument("--key")
    status.set_defaults(func=commands.lane_status)

    bench = sub.add_parser("bench", help="benchmarks that print their figures")
    bench_sub = bench.add_subparsers(dest="bench_command", required=True)
    idle = bench_sub.add_parser("idle-camera", help="CPU used by an idle camera lane (no code in view)")
    idle.add_argument("--seconds", type=float, default=20.0)
    idle.add_argument("--fps-cap", type=float, default=10.0)
    idle.add_argument("--source", help="a camera/stream/file instead of the built-in synthetic stream")
    idle.set_defaults(func=commands.bench_idle_camera)
    bench_commands.register(bench_sub)
    bench_load.register(bench_sub)
    bench_fleet.register(bench_sub)

    apikey = sub.add_parser("apikey", help="API keys for lanes, agencies and people")
    key_sub = apikey.add_subparsers(dest="apikey_command", required=True)
    create = key_sub.add_parser("create", help="create a key and print it (shown only once)")
    create.add_argument("--role", required=True, choices=["admin", "staff", "technician", "lane", "agency"])
    create.add_argument("--lane", help="the lane id (role lane)")
    create.add_argument("--label", default="")
    create.add_argument("--config", "-c")
    create.set_defaults(func=commands.apikey_create)

    user = sub.add_parser("user", help="people who log in to the staff pages")
    user_sub = user.add_subparsers(dest="user_command", required=True)
    add = user_sub.add_parser("add", help="create a user; the password is prompted or read from stdin")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=["admin", "staff", "technician"])
    add.add_argument("--display-name", default="")
    add.add_argument("--language", choices=["id", "en"], default="id")
    add.add_argument("--config", "-c")
    add.set_defaults(func=commands.user_add)
    passwd = user_sub.add_parser("passwd", help="set a user's password (prompted or from stdin)")
    passwd.add_argument("name")
    passwd.add_argument("--config", "-c")
    passwd.set_defaults(func=commands.user_passwd)
    lst = user_sub.add_parser("list", help="list users")
    lst.add_argument("--config", "-c")
    lst.set_defaults(func=commands.user_list)

    doctor = sub.add_parser(
        "doctor", help="check config, devices, office link, clock and disk; say how to fix"
    )
    doctor.add_argument("--config", "-c", help="TOML config file (default: the all-in-one default)")
    doctor.add_argument("--now", help="judge the clock as if it were this ISO time (drills, tests)")
    doctor.set_defaults(func=commands.doctor)

    speech_command.register(sub)

    audit = sub.add_parser("audit", help="audit log tools")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    verify = audit_sub.add_parser("verify", help="check the audit log's hash chain")
    verify.add_argument("--config", "-c")
    verify.set_defaults(func=commands.audit_verify)
    _register_optional(sub)
    return parser


def _register_optional(sub) -> None:
    """Sub-commands that live in their own module and may not exist yet in this tree."""
    import importlib

    for name in ("web.cli.selftest",):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(sub)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
