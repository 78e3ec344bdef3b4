"""The composition root: builds stores, drivers, the office and the lane from one Config into a System.

Nothing else in ambil opens a device or reads config; tests build a System the same way with
their own Config (and may hand in drivers, e.g. a GPIO bank on gpiozero's MockFactory).
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from controller.config import Config
from controller.devices import build_lockers, build_printer, build_scanner, build_signals
from controller.kernel.errors import AmbilError
from controller.lane.assemble import build_lane
from controller.lane.lane import Lane
from controller.lane.link import OfficeLink
from controller.ops.metrics import ProcessMetrics
from hardware.locker.interface import LockerBank
from hardware.printer.interface import Printer
from hardware.scanner.interface import Scanner

if TYPE_CHECKING:  # the office parts are imported only by the roles that run them
    from sqlalchemy.engine import Engine

    from controller.kernel.lane_commands import LaneCommands
    from controller.lane.heartbeat import HeartbeatSender
    from controller.office.accounts import Accounts
    from controller.office.agency import AgencyDocuments
    from controller.office.alerts import Alerts
    from controller.office.fleet import Fleet
    from controller.office.kinds import DocumentKinds
    from controller.office.leases import LeaseSweeper
    from controller.office.lockers import Lockers
    from controller.office.notify import MessageTexts, Notifications
    from controller.office.office import Office
    from controller.office.reports import Reports
    from controller.office.sync import OfficeSync
    from controller.ops.watchdog import Watchdog

__all__ = [
    "System",
    "build_system",
    "build_office",
    "build_lockers",
    "build_printer",
    "build_scanner",
    "build_signals",
    "load_secret",
]

log = logging.getLogger(__name__)


@dataclass
class System:
    """Everything one ambil process runs.

    The office parts are None in the role ``lane``, the lane None in the role ``office``; the
    all-in-one process has both.
    """

    config: Config
    office: Office | None = None
    accounts: Accounts | None = None  # people who log in (office roles only)
    kinds: DocumentKinds | None = None  # document kinds
    lockers: Lockers | None = None  # locker inventory and loading
    notifications: Notifications | None = None  # citizen and agency notifications (a worker)
    reports: Reports | None = None
    lane_control: LaneCommands | None = None  # the office asking its lanes to act for staff
    fleet: Fleet | None = None  # lane heartbeats, fleet status (controller/office/fleet.py)
    leases: LeaseSweeper | None = None  # the claim-lease sweep (controller/office/leases.py)
    alerts: Alerts | None = None  # technician alerts (controller/office/alerts.py)
    agency: AgencyDocuments | None = None  # the agency API's pushes (controller/office/agency.py)
    office_sync: OfficeSync | None = None  # the office's side of lane sync (controller/office/sync.py)
    lane: Lane | None = None
    heartbeat: HeartbeatSender | None = None  # the lane's heartbeats to the office
    engine: Engine | None = None
    # the process's event metrics (releases and how long they took), read at scrape time
    metrics: ProcessMetrics = field(default_factory=ProcessMetrics)
    # systemd's watchdog, while started under Type=notify
    watchdog: Watchdog | None = None
    started: bool = False

    def start(self) -> None:
        if self.notifications is not None:
            self.notifications.start()
        for job in filter(None, (self.fleet, self.leases)):  # the office's periodic jobs
            job.start()
        if self.lane is not None:
            self.lane.start()
        if self.heartbeat is not None:
            self.heartbeat.start()  # reads the started lane's status
        self.started = True
        from controller.ops.watchdog import start_watchdog

        # READY=1 and the watchdog pings under systemd's Type=notify (nothing without NOTIFY_SOCKET)
        self.watchdog = start_watchdog(self)

    def lane_self_test(self, test: str, *, actor: str, **args) -> dict:
        """Run a technician's self-test on this process's lane.

        With an office in the process (all-in-one) it goes through the fleet, which audits it; a
        lane alone has no audit log, so the test runs on the lane directly and is only logged.
        Raises ``device.failed`` where this process runs no lane.
        """
        if self.lane is None:
            raise AmbilError(f"this process runs no lane (role = {self.config.role})", key="device.failed")
        if self.fleet is not None and self.lane_control is not None:
            return self.fleet.self_test(
                self.lane_control, self.lane.settings.lane_id, test, actor=actor, **args
            )
        log.info("self-test %s by %s (lane only: no office audit here)", test, actor)
        return self.lane.self_test(test, actor=actor, **args)

    def readiness(self) -> dict:
        """``{ready, problems, checks}``: can this process serve a pickup (controller/ops/readiness.py)."""
        from controller.ops.readiness import readiness

        return readiness(self)

    def stop(self) -> None:
        watchdog, self.watchdog = self.watchdog, None
        if watchdog is not None:
            watchdog.stop()  # STOPPING=1 before the lane winds down
        if self.heartbeat is not None:
            self.heartbeat.stop()
        if self.lane is not None:
            self.lane.stop()
        for job in filter(None, (self.leases, self.fleet)):
            job.stop()
        if self.notifications is not None:
            self.notifications.stop()
        if self.engine is not None:
            self.engine.dispose()
        self.started = False


def build_system(
    config: Config,
    *,
    scanner: Scanner | None = None,
    printer: Printer | None = None,
    lockers: dict[str, LockerBank] | None = None,
    office_link: OfficeLink | None = None,
    texts: MessageTexts | None = None,
    test_page: Callable[[str, str], bytes] | None = None,
) -> System:
    """Build (not start) every part the config's role asks for.

    Drivers passed in replace the ones the config would build (tests, benchmarks). ``texts``
    writes the words of the office's messages (citizen notices, alerts): web/ builds it
    (``web.i18n.messages.CatalogTexts``); the office roles need it, a lane alone does not.
    ``test_page(lane_id, lane_name)`` draws the lane's print self-test page (``web/pages/selftest_page.py``);
    the lane roles need it.
    """
    config.state_dir.mkdir(parents=True, exist_ok=True)
    system = System(config=config)
    if config.role in ("all-in-one", "office"):
        from controller.office.accounts import Accounts
        from controller.office.agency import AgencyDocuments
        from controller.office.kinds import DocumentKinds
        from controller.office.leases import LeaseSweeper
        from controller.office.lockers import Lockers
        from controller.office.notify import Notifications
        from controller.office.reports import Reports
        from controller.office.sync import OfficeSync

        if texts is None:
            raise TypeError(f"build_system: the role {config.role!r} runs the office, which needs texts")
        system.office, system.engine = build_office(config)
        url = config.public_url
        system.accounts = Accounts(system.engine)
        system.kinds = DocumentKinds(system.engine)
        system.kinds.ensure_defaults()
        system.lockers = Lockers(system.engine)
        outbox_key = load_secret(config.state_dir / "secrets" / "outbox.key")  # seals codes in the outbox
        system.notifications = Notifications(
            system.engine, config.notify, key=outbox_key, texts=texts, public_url=url
        )
        system.office.on_released.append(system.notifications.document_changed)
        system.reports = Reports(system.engine, zone=config.site.timezone)
        system.alerts, system.fleet = build_fleet(config, system.engine, system.notifications)
        system.leases = LeaseSweeper(system.office)
        system.agency = AgencyDocuments(
            system.engine, system.office, system.kinds, system.notifications.code_issued
        )
        system.office_sync = OfficeSync(system.office)
    if config.role in ("all-in-one", "lane"):
        if test_page is None:
            raise TypeError(f"build_system: the role {config.role!r} runs a lane, which needs test_page")
        if office_link is None:
            office_link = build_office_link(
                config, system.office, office_sync=system.office_sync, fleet=system.fleet
            )
        system.lane = build_lane(
            config,
            office_link,
            scanner=scanner if scanner is not None else build_scanner(config),
            printer=printer if printer is not None else build_printer(config),
            lockers=lockers if lockers is not None else build_lockers(config),
            signals=build_signals(config),
            outcome_listeners=[system.metrics.observe_release],
            test_page=test_page,
        )
        system.heartbeat = build_heartbeat_sender(config, system.lane, office_link)
    if system.office is not None and system.lane is not None:
        from controller.lane.commands import InProcessLaneControl

        system.lane_control = InProcessLaneControl({config.lane.id: system.lane})
    return system


def build_office(config: Config):
    from controller.office.blobs import BlobStore
    from controller.office.db import make_engine
    from controller.office.db.migrations import migrate
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

    def notify(rule: str, lane_id: str, detail: str) -> None:
        notifications.send_alert(rule, lane_id, detail, to=cfg.notify_to)

    alerts = Alerts(engine, notify=notify if notifications is not None else None)
    limits = Thresholds(
        disk_free_percent=cfg.disk_free_percent,
        disk_free_mb=cfg.disk_free_mb,
        temperature_c=cfg.temperature_c,
    )
    fleet = Fleet(engine, alerts, offline_seconds=config.office.lane_offline_seconds, limits=limits)
    return alerts, fleet


def build_heartbeat_sender(config: Config, lane: Lane, office_link: OfficeLink):
    from controller.lane.heartbeat import CachedHost, HeartbeatSender, build_heartbeat
    from controller.ops.host import host_health

    host = CachedHost(lambda: host_health(config.state_dir), max_age=max(10.0, config.lane.heartbeat_seconds))
    return HeartbeatSender(
        lambda: build_heartbeat(lane, host=host(), site=config.lane.site),
        office_link.heartbeat,
        interval=config.lane.heartbeat_seconds,
    )


def build_office_link(config: Config, office, *, office_sync=None, fleet=None) -> OfficeLink:
    """The lane's one link to the office: in-process when this process runs the office too."""
    if office is not None:
        from controller.lane.link.in_process import InProcessOfficeLink

        return InProcessOfficeLink(office, config.lane.id, office_sync=office_sync, fleet=fleet)
    from controller.lane.link.http import HttpOfficeLink

    return HttpOfficeLink(config.lane.office_url, config.lane.api_key)


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
