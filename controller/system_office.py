"""The composition root's office half: the office's parts built from one Config (see controller/system.py).

The office over its migrated database, the fleet store with its technician alerts, and the
secret keys kept in their own files. The command line's office tools build the office here too.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from controller.config import Config


def build_office(config: Config):
    from controller.office.blobs import BlobStore
    from controller.office.db import make_engine
    from controller.office.migrations import migrate
    from controller.office.office import GuessLimits, Office

    config.state_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(config.database_url)
    migrate(engine)
    office = Office(
        engine,
        BlobStore(config.state_dir / "blobs"),
        load_secret(config.state_dir / "secrets" / "short_code.key"),
        max_upload_bytes=int(config.office.max_upload_mb * 1024 * 1024),
        max_pages=config.office.max_pages,
        default_expiry_days=config.office.default_expiry_days,
        guess_limits=GuessLimits.from_config(config.office),
        claim_lease_minutes=config.office.claim_lease_minutes,
        print_claim_lease_minutes=config.office.print_claim_lease_minutes,
    )
    if config.role == "all-in-one":
        lane = config.lane
        office.ensure_lane(lane.id, lane.name, site=lane.site)
        for bank in lane.lockers:
            office.ensure_locker_bank(bank.id, lane.id, bank.doors)
    return office, engine


def build_fleet(config: Config, engine, notifications):
    """Technician alerts (sent through the office's notifier) and the fleet store."""
    from controller.office.alerts import Alerts, Thresholds
    from controller.office.fleet import Fleet

    cfg = config.alerts

    def notify(subject: str, text: str) -> None:
        notifications.send_alert(subject, text, to=cfg.notify_to)

    alerts = Alerts(engine, notify=notify if notifications is not None else None)
    limits = Thresholds(
        disk_free_percent=cfg.disk_free_percent,
        disk_free_mb=cfg.disk_free_mb,
        temperature_c=cfg.temperature_c,
    )
    fleet = Fleet(engine, alerts, offline_seconds=config.office.lane_offline_seconds, limits=limits)
    return alerts, fleet


def load_secret(path: Path) -> bytes:
    """A 32-byte key kept in its own file (mode 600), made on first start."""
    if path.exists():
        return path.read_bytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key)
    return key
