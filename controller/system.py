"""The composition root: builds stores, drivers, the office and the lane from one Config into a System.

Nothing else in ambil opens a device or reads config; tests build a System the same way with
their own Config (and may hand in drivers, e.g. a GPIO bank on gpiozero's MockFactory).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from controller.config import Config
from controller.devices import build_lockers, build_printer, build_scanner, build_signals
from controller.kernel.errors import AmbilError
from controller.lane.journal import Journal
from controller.lane.lane import Lane, LaneSettings
from controller.lane.office_client import InProcessOfficeClient, OfficeClient
from controller.lane.release import BankPlacement, Releaser, ReleaseSettings
from controller.lane.screen import ScreenBus
from controller.ops.metrics import ProcessMetrics
from controller.system_office import build_fleet, build_office, load_secret
from hardware.locker.interface import LockerBank
from hardware.printer.interface import Printer
from hardware.scanner.interface import Scanner

if TYPE_CHECKING:  # the office parts are imported only by the roles that run them
    from sqlalchemy.engine import Engine

    from controller.kernel.lane_commands import LaneCommands
    from controller.office.accounts import Accounts
    from controller.office.agency import AgencyDocuments
    from controller.office.alerts import Alerts
    from controller.office.fleet import Fleet
    from controller.office.kinds import DocumentKinds
    from controller.office.leases import LeaseSweeper
    from controller.office.lockers import Lockers
    from controller.office.notify import Notifications
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
    office_client: OfficeClient | None = None,
) -> System:
    """Build (not start) every part the config's role asks for.

    Drivers passed in replace the ones the config would build (tests, benchmarks).
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

        system.office, system.engine = build_office(config)
        url = config.public_url
        system.accounts = Accounts(system.engine)
        system.kinds = DocumentKinds(system.engine)
        system.kinds.ensure_defaults()
        system.lockers = Lockers(system.engine)
        outbox_key = load_secret(config.state_dir / "secrets" / "outbox.key")  # seals codes in the outbox
        system.notifications = Notifications(system.engine, config.notify, key=outbox_key, public_url=url)
        system.office.on_released.append(system.notifications.document_changed)
        system.reports = Reports(system.engine)
        system.alerts, system.fleet = build_fleet(config, system.engine, system.notifications)
        system.leases = LeaseSweeper(system.office)
        system.agency = AgencyDocuments(
            system.engine, system.office, system.kinds, system.notifications.code_issued
        )
        system.office_sync = OfficeSync(system.office)
    if config.role in ("all-in-one", "lane"):
        if office_client is None:
            office_client = build_office_client(config, system.office, fleet=system.fleet)
        system.lane = build_lane(
            config,
            office_client,
            scanner=scanner if scanner is not None else build_scanner(config),
            printer=printer if printer is not None else build_printer(config),
            lockers=lockers if lockers is not None else build_lockers(config),
        )
        system.lane.heartbeat = build_heartbeat_sender(config, system.lane, office_client)
        system.lane.sync = build_sync(config, system.lane, system.office)
    metrics = system.metrics
    if system.lane is not None:
        system.lane.outcome_listeners.append(metrics.observe_release)
    if system.office is not None and system.lane is not None:
        from controller.lane.commands import InProcessLaneControl

        system.lane_control = InProcessLaneControl({config.lane.id: system.lane})
    return system


def build_heartbeat_sender(config: Config, lane: Lane, office_client: OfficeClient):
    from controller.lane.heartbeat import CachedHost, HeartbeatSender, build_heartbeat
    from controller.ops.host import host_health

    host = CachedHost(lambda: host_health(config.state_dir), max_age=max(10.0, config.lane.heartbeat_seconds))
    return HeartbeatSender(
        lambda: build_heartbeat(lane, host=host(), site=config.lane.site),
        office_client.heartbeat,
        interval=config.lane.heartbeat_seconds,
    )


def build_sync(config: Config, lane: Lane, office):
    """The lane's offline store (in its journal DB), trusted clock and sync worker (DESIGN 5)."""
    from controller.lane.offline import OfflineStore
    from controller.lane.sync import HttpSyncLink, InProcessSyncLink, SyncWorker

    store = OfflineStore(
        lane.journal, banks=lane.lockers.keys(), grace_seconds=config.lane.offline_grace_seconds
    )
    if office is not None:
        from controller.office.sync import OfficeSync

        link = InProcessSyncLink(OfficeSync(office), config.lane.id)
    else:
        link = HttpSyncLink(config.lane.office_url, config.lane.api_key)
    lane.releaser.offline = store
    return SyncWorker(store, link, interval=config.lane.sync_seconds)


def build_office_client(config: Config, office, *, fleet=None) -> OfficeClient:
    if office is not None:
        return InProcessOfficeClient(office, config.lane.id, fleet=fleet)
    from controller.lane.http_office_client import HttpOfficeClient

    return HttpOfficeClient(config.lane.office_url, config.lane.api_key)


def build_lane(
    config: Config, office_client: OfficeClient, *, scanner, printer, lockers, signals=None
) -> Lane:
    from controller.lane.outputs import LaneOutputs
    from hardware.locker.door_watch import DoorWatch

    lane_cfg = config.lane
    screen = ScreenBus()
    journal = Journal(config.state_dir / "lane" / f"{lane_cfg.id}-journal.db")
    outputs = LaneOutputs(screen, signals if signals is not None else build_signals(config), {})
    for bank_id, bank in lockers.items():
        outputs.door_watches[bank_id] = DoorWatch(
            bank,
            open_too_long_s=lane_cfg.door_left_open_seconds,
            not_detected_limit=lane_cfg.not_detected_limit,
            on_alarm=outputs.on_alarm,
        )
    releaser = Releaser(
        journal=journal,
        office=office_client,
        printer=printer,
        lockers=lockers,
        spool_dir=config.state_dir / "lane" / "spool",
        settings=ReleaseSettings(
            pulse_ms=lane_cfg.pulse_ms,
            door_open_timeout=lane_cfg.door_open_timeout,
            print_timeout=lane_cfg.print_timeout,
            placements={
                bank.id: BankPlacement(bank.columns, bank.where, bank.where_en) for bank in lane_cfg.lockers
            },
        ),
        show=screen.publish,
        door_watches=outputs.door_watches,
    )
    scanner_cfg = lane_cfg.scanner
    signals_out = outputs.signals
    if getattr(scanner_cfg, "wake_on_vehicle", False) and signals_out is not None and scanner is not None:
        # the camera decodes only while a car is at the lane (idle lanes cost next to nothing)
        signals_out.on_vehicle(scanner.set_awake)
        scanner.set_awake(bool(signals_out.vehicle_present()))
    lane = Lane(
        settings=LaneSettings(
            lane_id=lane_cfg.id,
            name=lane_cfg.name,
            dedupe_seconds=lane_cfg.dedupe_seconds,
            result_seconds=lane_cfg.result_seconds,
        ),
        journal=journal,
        office=office_client,
        releaser=releaser,
        scanner=scanner,
        printer=printer,
        lockers=lockers,
        screen=screen,
        outputs=outputs,
    )
    if signals_out is not None:
        signals_out.on_vehicle(lane.vehicle)  # a car at the lane: the screen says "hold up the QR"
    return lane
