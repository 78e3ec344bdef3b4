"""What each ``ambil`` sub-command does. Errors print one clear line and exit non-zero."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from controller.config import ConfigError, load_config
from web.i18n import error_text


def load_or_exit(path: str | None):
    try:
        return load_config(Path(path) if path else None)
    except ConfigError as exc:
        print(f"config error in {exc.source}:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        raise SystemExit(2) from None


def config_check(args) -> int:
    try:
        load_config(Path(args.file))
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"{exc.source}: {problem}")
        return 1
    print("ok")
    return 0


def config_show(args) -> int:
    config = load_or_exit(args.file)
    print(json.dumps(config.model_dump(mode="json"), indent=2))
    return 0


def apikey_create(args) -> int:
    from controller.office.assemble import build_office

    config = load_or_exit(args.config)
    if args.role == "lane" and not args.lane:
        print("a lane key needs --lane LANE_ID", file=sys.stderr)
        return 2
    office, engine = build_office(config)
    try:
        if args.lane:
            office.ensure_lane(args.lane)
        print(office.create_api_key(args.role, lane_id=args.lane, label=args.label))
    finally:
        _seal_and_close(engine)
    return 0


def _seal_and_close(engine) -> None:
    """After a command that wrote: seal its audit records (PostgreSQL) instead of leaving them to
    a running office's sealer, which may not exist; sealers take turns on the chain's head."""
    from controller.office import audit

    try:
        audit.seal_all(engine)
    finally:
        engine.dispose()


def audit_verify(args) -> int:
    from controller.office.assemble import build_office

    config = load_or_exit(args.config)
    office, engine = build_office(config)
    try:
        result = office.verify_audit()
    finally:
        engine.dispose()
    if result.ok:
        waiting = f", {result.pending} more committed and waiting for the sealer" if result.pending else ""
        print(f"ok: {result.count} records, chain intact{waiting}")
        return 0
    if result.first_bad_seq is None:  # the chain is intact, but records were left unsealed
        print(f"PROBLEM: {result.count} records intact; {result.problem}")
    else:
        print(f"BROKEN at record {result.first_bad_seq}: {result.problem}")
    return 1


def decode(args) -> int:
    from hardware.errors import ScannerError
    from hardware.scanner.decoder import QrDecoder

    decoder = QrDecoder()
    status = 0
    for image in args.images:
        try:
            texts = decoder.decode_file(image)
        except ScannerError as exc:
            print(f"{image}: error: {exc}")
            status = 1
            continue
        if not texts:
            print(f"{image}: no code found")
        for text in texts:
            print(f"{image}: {text}")
    return status


def _client(args):
    import httpx

    headers = {"Authorization": f"Bearer {args.key}"} if args.key else {}
    return httpx.Client(base_url=args.url, headers=headers, timeout=30)


def _answer(response) -> int:
    try:
        body = response.json()
    except ValueError:
        body = response.text
    print(json.dumps(body, indent=2, ensure_ascii=False) if not isinstance(body, str) else body)
    return 0 if response.is_success else 1


def lane_show(args) -> int:
    import httpx

    path = Path(args.image)
    if not path.is_file():
        print(f"{path}: no such file", file=sys.stderr)
        return 2
    try:
        with _client(args) as http:
            files = {"file": (path.name, path.read_bytes(), "application/octet-stream")}
            return _answer(http.post("/api/v1/lane/scan/image", files=files))
    except httpx.HTTPError as exc:
        print(f"cannot reach the lane at {args.url}: {exc}", file=sys.stderr)
        return 2


def lane_scan(args) -> int:
    import httpx

    try:
        with _client(args) as http:
            return _answer(http.post("/api/v1/lane/scan", json={"text": args.text}))
    except httpx.HTTPError as exc:
        print(f"cannot reach the lane at {args.url}: {exc}", file=sys.stderr)
        return 2


def lane_status(args) -> int:
    import httpx

    try:
        with _client(args) as http:
            return _answer(http.get("/api/v1/lane"))
    except httpx.HTTPError as exc:
        print(f"cannot reach the lane at {args.url}: {exc}", file=sys.stderr)
        return 2


def _read_password(prompt: str = "Password: ") -> str:
    """Prompt twice on a terminal; read one line from stdin otherwise (scripts, installers)."""
    import getpass

    if sys.stdin.isatty():
        first = getpass.getpass(prompt)
        if getpass.getpass("Repeat: ") != first:
            print("the two passwords differ", file=sys.stderr)
            raise SystemExit(2)
        return first
    return sys.stdin.readline().rstrip("\n")


def _accounts(args):
    from controller.office.accounts import Accounts
    from controller.office.assemble import build_office

    config = load_or_exit(args.config)
    office, engine = build_office(config)
    return Accounts(engine), engine


def user_add(args) -> int:
    from controller.kernel.errors import AmbilError

    accounts, engine = _accounts(args)
    try:
        user = accounts.create_user(
            args.name,
            _read_password(),
            args.role,
            display_name=args.display_name,
            language=args.language,
            actor="cli",
        )
    except AmbilError as exc:
        print(f"cannot add {args.name!r}: {error_text('en', exc)} ({exc.detail})", file=sys.stderr)
        return 1
    finally:
        _seal_and_close(engine)
    print(f"user {user.username} ({user.role}) created")
    return 0


def user_passwd(args) -> int:
    from controller.kernel.errors import AmbilError

    accounts, engine = _accounts(args)
    try:
        match = [u for u in accounts.list_users() if u.username == args.name.lower()]
        if not match:
            print(f"no user {args.name!r}", file=sys.stderr)
            return 1
        accounts.set_password(match[0].id, _read_password("New password: "), actor="cli")
    except AmbilError as exc:
        print(f"cannot set the password: {error_text('en', exc)}", file=sys.stderr)
        return 1
    finally:
        _seal_and_close(engine)
    print("password changed")
    return 0


def user_list(args) -> int:
    accounts, engine = _accounts(args)
    try:
        for user in accounts.list_users():
            state = "active" if user.active else "disabled"
            print(f"{user.username:20} {user.role:11} {user.language} {state}")
    finally:
        engine.dispose()
    return 0


def bench_idle_camera(args) -> int:
    from web.cli.bench.idle_camera import idle_camera

    return idle_camera(args)


def doctor(args) -> int:
    from controller.ops.doctor.run import doctor as run_doctor

    return run_doctor(args.config, now=args.now)


def lane_safe_off(args) -> int:
    """Switch every locker relay off from the config (systemd's ExecStopPost; controller/ops/safe_off.py)."""
    from controller.ops.logs import setup_logging
    from controller.ops.safe_off import all_relays_off

    setup_logging("INFO")
    return 1 if all_relays_off(load_or_exit(args.config)) else 0
