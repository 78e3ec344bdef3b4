"""The lane assembled from its parts: called by the composition root (``controller.system``)
with the drivers it built, so that every part is complete when constructed and nothing is wired
in afterwards. Reads the lane's section of the config; opens no device itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from controller.config import Config
from controller.lane.actuation import DoorActuator, PrintActuator, PrintSettings
from controller.lane.journal import Journal
from controller.lane.lane import Lane, LaneSettings, OutcomeListener
from controller.lane.link import OfficeLink
from controller.lane.offline import OfflineStore
from controller.lane.outputs import LaneOutputs
from controller.lane.release import Releaser
from controller.lane.screen import BankPlacement, ScreenBus, result_view
from controller.lane.selftest import SelfTests
from controller.lane.staff_doors import ServiceOpener
from controller.lane.sync import SyncWorker
from hardware.signals.interface import LaneSignals


def build_lane(
    config: Config,
    office_link: OfficeLink,
    *,
    scanner,
    printer,
    lockers,
    signals: LaneSignals | None = None,
    outcome_listeners: Iterable[OutcomeListener] = (),
    test_page: Callable[[str, str], bytes],
) -> Lane:
    """The lane of ``config`` on these drivers, every part complete when constructed.

    ``test_page(lane_id, lane_name)`` draws the print self-test's page (web/ writes its words).
    """
    lane_cfg = config.lane
    screen = ScreenBus()
    journal = Journal(config.state_dir / "lane" / f"{lane_cfg.id}-journal.db")
    outputs = LaneOutputs(
        screen,
        signals,
        lockers,
        open_too_long_s=lane_cfg.door_left_open_seconds,
        not_detected_limit=lane_cfg.not_detected_limit,
    )
    doors = DoorActuator(
        lockers,
        outputs.door_watches,
        pulse_ms=lane_cfg.pulse_ms,
        door_open_timeout=lane_cfg.door_open_timeout,
    )
    # the offline store (in the journal DB) and its sync worker (DESIGN 5)
    offline = OfflineStore(journal, banks=lockers.keys(), grace_seconds=lane_cfg.offline_grace_seconds)
    sync = SyncWorker(offline, office_link, interval=lane_cfg.sync_seconds)
    prints = PrintActuator(
        printer, config.state_dir / "lane" / "spool", PrintSettings(print_timeout=lane_cfg.print_timeout)
    )
    # where each bank stands, for the screen's "door N is here"
    placements = {b.id: BankPlacement(b.columns, b.where, b.where_en, b.doors) for b in lane_cfg.lockers}
    releaser = Releaser(
        journal=journal,
        office=office_link,
        doors=doors,
        prints=prints,
        show=screen.publish,
        on_outcome=lambda outcome: screen.publish(result_view(outcome, placements)),
        offline=offline,
    )
    opener = ServiceOpener(lane_id=lane_cfg.id, journal=journal, doors=doors, offline=offline)
    self_tests = SelfTests(
        lane_id=lane_cfg.id,
        lane_name=lane_cfg.name,
        prints=prints,
        scanner=scanner,
        signals=outputs.signals,
        opener=opener,
        screen_view=lambda: screen.view,
        test_page=test_page,
    )
    signals_out = outputs.signals
    if (
        getattr(lane_cfg.scanner, "wake_on_vehicle", False)
        and signals_out is not None
        and scanner is not None
    ):
        # the camera decodes only while a car is at the lane (idle lanes cost next to nothing)
        signals_out.on_vehicle(scanner.set_awake)
        scanner.set_awake(bool(signals_out.vehicle_present()))
    return Lane(
        settings=LaneSettings(
            lane_id=lane_cfg.id,
            name=lane_cfg.name,
            dedupe_seconds=lane_cfg.dedupe_seconds,
            result_seconds=lane_cfg.result_seconds,
        ),
        journal=journal,
        office=office_link,
        releaser=releaser,
        scanner=scanner,
        printer=printer,
        lockers=lockers,
        screen=screen,
        outputs=outputs,
        opener=opener,
        self_tests=self_tests,
        sync=sync,
        outcome_listeners=outcome_listeners,
    )
