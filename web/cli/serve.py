"""``ambil serve``: one process (all-in-one, office or lane), or N office workers on PostgreSQL."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from controller.config import load_config
from web.cli.commands import load_or_exit


def serve(args) -> int:
    import uvicorn

    from controller.ops.logs import setup_logging
    from web.app import build_system, create_app
    from web.cli.first_key import first_key_line, make_first_admin_key

    config = load_or_exit(args.config)
    if args.host:
        config.http.host = args.host
    if args.port:
        config.http.port = args.port
    workers = getattr(args, "workers", 1) or 1
    refusal = workers_refusal(config, workers)
    if refusal:
        print(refusal, file=sys.stderr)
        return 2
    setup_logging(config.log_level)
    system = build_system(config)
    first_key = make_first_admin_key(system)
    base = f"http://{_display_host(config.http.host)}:{config.http.port}"
    print(f"ambil {config.role} on {base}  (state: {config.state_dir})")
    if system.lane is not None:
        print(f"  lane screen:   {base}/lane   (English: {base}/lane?lang=en)")
    print(f"  API and docs:  {base}/docs")
    print(f"  health:        {base}/healthz  {base}/readyz")
    if first_key:  # never into the journal: to a terminal, or to a file only we can read
        print(first_key_line(first_key, config.state_dir))
    # open lane-screen event streams never end by themselves: give them 3 s at shutdown
    options = {
        "host": config.http.host,
        "port": config.http.port,
        "log_config": None,
        "access_log": False,
        "timeout_graceful_shutdown": 3,
        **fast_io(),
    }
    if workers > 1:
        # each worker builds its own System from the same config file (uvicorn's factory mode);
        # background jobs run in one of them at a time (controller.office.db.job_lock)
        print(f"  workers:       {workers} office processes on one PostgreSQL database")
        sys.stdout.flush()
        os.environ[CONFIG_ENV] = str(Path(args.config).resolve())
        os.environ[OVERRIDES_ENV] = json.dumps({"host": config.http.host, "port": config.http.port})
        uvicorn.run("web.cli.serve:worker_app", factory=True, workers=workers, **options)
        return 0
    sys.stdout.flush()
    uvicorn.run(create_app(system), **options)
    return 0


def fast_io() -> dict:
    """uvicorn's event loop and HTTP parser: uvloop and httptools where they are installed (both
    are dependencies; a platform without their wheels falls back to asyncio and h11). Named here
    so that `ambil serve` and `ambil bench release` run the same server."""
    from importlib.util import find_spec

    return {
        "loop": "uvloop" if find_spec("uvloop") else "asyncio",
        "http": "httptools" if find_spec("httptools") else "h11",
    }


CONFIG_ENV = "AMBIL_WORKER_CONFIG"
OVERRIDES_ENV = "AMBIL_WORKER_HTTP"


def workers_refusal(config, workers: int) -> str | None:
    """Why ``--workers N`` cannot run with this config (None when it can)."""
    if workers < 1:
        return "--workers must be 1 or more"
    if workers == 1:
        return None
    if config.role != "office":
        return (
            f'--workers {workers} needs role = "office" (this config is {config.role!r}): a lane '
            "drives its scanner, printer and locker boards from one process. Run the office with "
            "--workers and each lane as its own process."
        )
    if config.database_url.startswith("sqlite"):
        return (
            f"--workers {workers} needs PostgreSQL: SQLite lets one process write at a time, so "
            "more workers would only wait on each other (and their timers would each run). Set "
            '[office] database_url = "postgresql://..." or run one worker.'
        )
    return None


def worker_app():
    """One office worker's app (uvicorn calls this in each worker process)."""
    from controller.ops.logs import setup_logging
    from web.app import build_system, create_app

    config = load_config(Path(os.environ[CONFIG_ENV]))
    http = json.loads(os.environ.get(OVERRIDES_ENV, "{}"))
    config.http.host = http.get("host", config.http.host)
    config.http.port = http.get("port", config.http.port)
    setup_logging(config.log_level)
    return create_app(build_system(config))


def _display_host(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "::") else host
