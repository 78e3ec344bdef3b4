"""The composition root: builds stores, drivers, the office and the lane from one Config into a System.

Nothing else in ambil opens a device or reads config; tests build a System the same way with
their own Config (and may hand in drivers, e.g. a GPIO bank on gpiozero's MockFactory).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from controller.config import Config
from controller.devices import build_lockers, build_printer, build_scanner, build_signals
from controller.kernel.errors import AmbilError
from controller.lane.assemble import build_lane
from controller.lane.held_doors import check_held_door
from controller.lane.lane import Lane
from controller.lane.link import OfficeLink
from controller.ops.metrics import ProcessMetrics
from hardware.locker.interface import LockerBank
from hardware.printer.interface import Printer
from hardware.scanner.interface import Scanner

if TYPE_CHECKING:  # the office parts are imported only by the roles that run them
    from sqlalchemy.engine import Engine

    from controller.kernel.lane_commands import LaneCommands
    from controller.lane.commands import CommandPoller
    from controller.lane.heartbeat import HeartbeatSender
    from controller.office.accounts import Accounts
    from controller.office.agency import AgencyDocuments
    from controller.office.alerts import Alerts
    from controller.office.audit_sealer import AuditSealer
    from controller.office.fleet import Fleet
    from controller.office.kinds import DocumentKinds
    from controller.office.lane_commands import OfficeLaneCommands
    from controller.office.lane_join import LaneJoin
    from controller.office.leases import LeaseSweeper
    from controller.office.lockers import Lockers
    from controller.office.notify import MessageTexts, Notifications
    from controller.office.office import Office
    from controller.office.reports import Reports
    from controller.office.sync import OfficeSync
    from controller.ops.watchdog import Watchdog

__all__ = ["System", "build_system", "build_lockers", "build_printer", "build_scanner", "build_signals"]

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
    commands: OfficeLaneCommands | None = None  # the command queue behind lane_control
    lane_join: LaneJoin | None = None  # lanes' announcements of their banks (admin accepts)
    fleet: Fleet | None = None  # lane heartbeats, fleet status (controller/office/fleet.py)
    leases: LeaseSweeper | None = None  # the claim-lease sweep (controller/office/leases.py)
    sealer: AuditSealer | None = None  # the audit chain's sealer (controller/office/audit_sealer.py)
    alerts: Alerts | None = None  # technician alerts (controller/office/alerts.py)
    agency: AgencyDocuments | None = None  # the agency API's pushes (controller/office/agency.py)
    office_sync: OfficeSync | None = None  # the office's side of lane sync (controller/office/sync.py)
    lane: Lane | None = None
    heartbeat: HeartbeatSender | None = None  # the lane's heartbeats to the office
    command_poller: CommandPoller | None = None  # a lane of its own: the office's commands
    engine: Engine | None = None
    # the process's event metrics (releases and how long they took), read at scrape time
    metrics: ProcessMetrics = field(default_factory=ProcessMetrics)
    # systemd's watchdog, while started under Type=notify
    watchdog: Watchdog | None = None
    started: bool = False

    def start(self) -> None:
        if self.notifications is not None:
            self.notifications.start()
        for job in filter(None, (self.sealer, self.fleet, self.leases)):  # the office's periodic jobs
            job.start()
        if self.lane is not None:
            self.lane.start()
        if self.heartbeat is not None:
            self.heartbeat.start()  # reads the started lane's status
        if self.command_poller is not None:
            self.command_poller.start()  # announces the lane, then takes the office's commands
        self.started = True
        from controller.ops.watchdog import start_watchdog

        # READY=1 and the watchdog pings under systemd's Type=notify (nothing without NOTIFY_SOCKET)
        self.watchdog = start_watchdog(self)

    def lane_self_test(
        self, test: str, *, actor: str, confirm_held: bool = False, reason: str = "", **args
    ) -> dict:
        """Run a technician's self-test on this process's lane.

        With an office in the process (all-in-one) it goes through the fleet, which audits it and
        refuses a door holding an item unless ``confirm_held`` with a ``reason``; a lane alone has
        no audit log and no documents, so the test runs on the lane directly (it must work with
        the office unreachable): a door that the lane's last sync says holds an item is refused
        the same way there (``controller/lane/held_doors.py``), the opening's journal record
        names the document, and the result is then reported to the office, which audits it and
        records a held door's opening on its document (``office_audit``: recorded or not_reported).
        Raises ``device.failed`` where this process runs no lane.
        """
        if self.lane is None:
            raise AmbilError(f"this process runs no lane (role = {self.config.role})", key="device.failed")
        if self.fleet is not None and self.lane_control is not None:
            lane_id = self.lane.settings.lane_id
            return self.fleet.self_test(
                self.lane_control,
                lane_id,
                test,
                actor=actor,
                confirm_held=confirm_held,
                reason=reason,
                **args,
            )
        log.info("self-test %s by %s on the lane (then reported to the office for its audit)", test, actor)
        if args.get("bank") and args.get("door") is not None:  # a door test: the lane's own check
            held = check_held_door(
                self.lane.opener.offline,
                str(args["bank"]),
                int(args["door"]),
                confirmed=confirm_held,
                reason=reason,
            )
            if held is not None:  # the lane's journal names the document and the reason
                args["reason"] = f"document {held}: {reason.strip()[:300]}"
        result = self.lane.self_test(test, actor=actor, **args)
        # audited in the office all the same: the lane reports what it ran (selftest_report.py)
        from controller.lane.selftest_report import report_to_office

        return {
            **result,
            "office_audit": report_to_office(self.lane.office, result, actor=actor, reason=reason),
        }

    def readiness(self) -> dict:
        """``{ready, problems, checks}``: can this process serve a pickup (controller/ops/readiness.py)."""
        from controller.ops.readiness import readiness

        return readiness(self)

    def stop(self) -> None:
        watchdog, self.watchdog = self.watchdog, None
        if watchdog is not None:
            watchdog.stop()  # STOPPING=1 before the lane winds down
        if self.command_poller is not None:
            self.command_poller.stop()
        if self.heartbeat is not None:
            self.heartbeat.stop()
        if self.lane is not None:
            self.lane.stop()
        for job in filter(None, (self.leases, self.fleet, self.sealer)):  # the sealer last: it seals theirs
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
    office = None  # every part is built complete before the System that holds it
    if config.role in ("all-in-one", "office"):
        from controller.office.assemble import build_office_parts

        if texts is None:
            raise TypeError(f"build_system: the role {config.role!r} runs the office, which needs texts")
        office = build_office_parts(config, texts=texts)
    lane = heartbeat = command_poller = None
    lane_control = office.commands if office is not None else None
    metrics = ProcessMetrics()
    if config.role in ("all-in-one", "lane"):
        if test_page is None:
            raise TypeError(f"build_system: the role {config.role!r} runs a lane, which needs test_page")
        if office_link is None:
            office_link = build_office_link(
                config,
                office and office.office,
                office_sync=office and office.office_sync,
                fleet=office and office.fleet,
            )
        lane = build_lane(
            config,
            office_link,
            scanner=scanner if scanner is not None else build_scanner(config),
            printer=printer if printer is not None else build_printer(config),
            lockers=lockers if lockers is not None else build_lockers(config),
            signals=build_signals(config),
            outcome_listeners=[metrics.observe_release],
            test_page=test_page,
        )
        heartbeat = build_heartbeat_sender(config, lane, office_link)
        from controller.lane.announce import announcement
        from controller.lane.commands import CommandPoller, CommandRunner

        runner = CommandRunner(lane, lane.journal)
        if office is not None:  # the office in this process hands its lane each command
            office.commands.serve_locally(config.lane.id, runner)
        else:
            command_poller = CommandPoller(office_link, runner, announcement=announcement(config.lane))
    parts = {} if office is None else vars(office)  # OfficeParts' fields are System fields
    return System(
        config=config,
        lane=lane,
        heartbeat=heartbeat,
        lane_control=lane_control,
        command_poller=command_poller,
        metrics=metrics,
        **parts,
    )


def build_heartbeat_sender(config: Config, lane: Lane, office_link: OfficeLink):
    from controller.lane.heartbeat import CachedHost, HeartbeatSender, build_heartbeat
    from controller.ops.host import host_health
    from controller.ops.logs import recent_log_lines

    host = CachedHost(lambda: host_health(config.state_dir), max_age=max(10.0, config.lane.heartbeat_seconds))
    site = config.lane.site
    return HeartbeatSender(
        lambda: build_heartbeat(lane, host=host(), site=site, recent_lines=recent_log_lines),
        office_link.heartbeat,
        interval=config.lane.heartbeat_seconds,
    )


def build_office_link(config: Config, office, *, office_sync=None, fleet=None) -> OfficeLink:
    """The lane's one link to the office: in-process when this process runs the office too."""
    if office is not None:
        from controller.lane.link.in_process import InProcessOfficeLink

        return InProcessOfficeLink(office, config.lane.id, office_sync=office_sync, fleet=fleet)
    from controller.kernel.office_tls import CLEAR_TEXT_WARNING, in_clear
    from controller.lane.link.http import HttpOfficeLink

    if in_clear(config.lane.office_url):
        log.warning(CLEAR_TEXT_WARNING)  # allowed (a closed LAN), but never silently
    return HttpOfficeLink(config.lane.office_url, config.lane.api_key, ca_file=config.lane.office_ca_file)
