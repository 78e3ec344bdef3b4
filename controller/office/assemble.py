"""The office assembled from its parts: called by the composition root (``controller.system``) and
by the commands that need only the office (``ambil admin``, the load benchmark), so that every
part is complete when constructed and nothing is wired in afterwards.

Reads the office's sections of the config; opens the database and the key files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from controller.config import Config
from controller.kernel.keyfile import load_secret
from controller.office.accounts import Accounts
from controller.office.agency import AgencyDocuments
from controller.office.alerts import Alerts, Thresholds
from controller.office.audit_sealer import AuditSealer
from controller.office.blobs import BlobStore
from controller.office.changes import Changes
from controller.office.db import make_engine
from controller.office.db.job_lock import JobLock
from controller.office.db.migrations import migrate
from controller.office.fleet import Fleet
from controller.office.kinds import DocumentKinds
from controller.office.lane_commands import OfficeLaneCommands
from controller.office.lane_join import LaneJoin
from controller.office.leases import LeaseSweeper
from controller.office.lockers import Lockers
from controller.office.notify import MessageTexts, Notifications
from controller.office.office import GuessLimits, Office
from controller.office.reports import Reports
from controller.office.sync import OfficeSync


@dataclass(frozen=True)
class OfficeParts:
    """Everything the office side of one process runs (the System's office fields)."""

    engine: Engine
    office: Office
    accounts: Accounts
    kinds: DocumentKinds
    lockers: Lockers
    notifications: Notifications
    reports: Reports
    alerts: Alerts
    fleet: Fleet
    leases: LeaseSweeper
    sealer: AuditSealer  # seals arrived audit records into the chain (one process at a time)
    agency: AgencyDocuments
    office_sync: OfficeSync
    lane_join: LaneJoin  # lanes' announcements of their banks
    commands: OfficeLaneCommands  # the queue of commands to lanes (the System's lane_control)


def build_office_parts(config: Config, *, texts: MessageTexts) -> OfficeParts:
    """The office of ``config``, every part complete when constructed; ``texts`` writes the words
    of its messages (web/'s catalogs, handed in by the composition root)."""
    engine = open_database(config)
    outbox_key = load_secret(config.state_dir / "secrets" / "outbox.key")  # seals codes in the outbox
    notifications = Notifications(
        engine, config.notify, key=outbox_key, texts=texts, public_url=config.public_url
    )
    office, _ = build_office(config, engine, on_released=[notifications.document_changed])
    kinds = DocumentKinds(engine)
    kinds.ensure_defaults()
    alerts, fleet = build_fleet(config, engine, notifications)
    return OfficeParts(
        engine=engine,
        office=office,
        accounts=Accounts(engine),
        kinds=kinds,
        lockers=Lockers(engine),
        notifications=notifications,
        reports=Reports(engine, zone=config.site.timezone),
        alerts=alerts,
        fleet=fleet,
        leases=LeaseSweeper(office, job_lock=JobLock(engine, "claim-leases")),
        sealer=AuditSealer(engine, job_lock=JobLock(engine, "audit-sealer")),
        agency=AgencyDocuments(engine, office, kinds, notifications.code_issued),
        office_sync=OfficeSync(office),
        lane_join=LaneJoin(engine),
        commands=OfficeLaneCommands(
            engine, deadline_s=config.office.lane_command_seconds, online_s=config.office.lane_offline_seconds
        ),
    )


def open_database(config: Config) -> Engine:
    """The office database's engine, migrated to the newest schema."""
    config.state_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(config.database_url)
    migrate(engine)
    return engine


def build_office(
    config: Config,
    engine: Engine | None = None,
    *,
    on_released: Iterable[Callable[[int, str], None]] = (),
) -> tuple[Office, Engine]:
    """The Office on ``engine`` (None: open the config's database); ``on_released`` are the hooks
    told of each release (``Office.on_released``). Returns ``(office, engine)``."""
    if engine is None:
        engine = open_database(config)
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
        on_released=on_released,
    )
    if config.role == "all-in-one":  # the one lane of this process, from its config
        lane = config.lane
        office.ensure_lane(lane.id, lane.name, site=lane.site)
        for bank in lane.lockers:
            # the columns too, as a lane's announcement gives them: the staff grid draws the bank as built
            office.ensure_locker_bank(bank.id, lane.id, bank.doors, columns=bank.columns)
    return office, engine


def build_fleet(config: Config, engine: Engine, notifications: Notifications | None) -> tuple[Alerts, Fleet]:
    """Technician alerts (sent through the office's notifier) and the fleet store."""
    cfg = config.alerts

    def notify(rule: str, lane_id: str, detail: str) -> None:
        notifications.send_alert(rule, lane_id, detail, to=cfg.notify_to)

    # one change feed per process: what live pages follow (LISTEN/NOTIFY on PostgreSQL)
    changes = Changes(engine)
    alerts = Alerts(engine, notify=notify if notifications is not None else None, changes=changes)
    limits = Thresholds(
        disk_free_percent=cfg.disk_free_percent,
        disk_free_mb=cfg.disk_free_mb,
        temperature_c=cfg.temperature_c,
    )
    fleet = Fleet(
        engine,
        alerts,
        offline_seconds=config.office.lane_offline_seconds,
        limits=limits,
        job_lock=JobLock(engine, "fleet-timer"),
        changes=changes,
    )
    return alerts, fleet
