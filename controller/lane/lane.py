"""The lane's life cycle: it starts its parts, runs its two loops, and stops them safely.

Threads: the scanner's worker feeds the intake's queue (``intake``); ``lane-worker`` lets the
intake run each read to its end; ``lane-monitor`` polls devices (``device_health``) and the office
link; the ``Reporter`` and the ``SyncWorker`` talk to the office. Staff door openings and
self-tests come here for the act lock only: never during a release.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from controller.kernel.errors import AmbilError
from controller.lane.device_health import DeviceHealth
from controller.lane.intake import Intake, LaneCounters, scripted_read
from controller.lane.journal import Journal
from controller.lane.link import OfficeLink
from controller.lane.outputs import LaneOutputs
from controller.lane.recovery import recover
from controller.lane.release import Releaser
from controller.lane.reporter import Reporter
from controller.lane.screen import LaneState, LaneView, ScreenBus, make_view
from controller.lane.screen_timing import ScreenTiming, idle_view, rating_after
from controller.lane.selftest import SelfTests
from controller.lane.staff_doors import ServiceOpener
from controller.lane.status_document import Liveness, lane_status
from controller.lane.sync import SyncWorker
from hardware.locker.interface import LockerBank
from hardware.printer.interface import Printer
from hardware.scanner.interface import Scanner
from hardware.status import DeviceStatus

log = logging.getLogger(__name__)

OutcomeListener = Callable[[str, str, float], None]  # (lane_id, outcome, seconds from the read)


@dataclass
class LaneSettings:
    lane_id: str = "lane-1"
    name: str = "Lajur 1"
    dedupe_seconds: float = 3.0
    result_seconds: float = 8.0
    status_interval: float = 2.0


class Lane:
    """Every part handed in complete by the composition root (``controller.system``)."""

    def __init__(
        self,
        *,
        settings: LaneSettings,
        journal: Journal,
        office: OfficeLink,
        releaser: Releaser,
        scanner: Scanner | None,
        printer: Printer | None,
        lockers: dict[str, LockerBank],
        screen: ScreenBus,
        outputs: LaneOutputs,
        opener: ServiceOpener,
        self_tests: SelfTests,
        sync: SyncWorker | None = None,
        outcome_listeners: Iterable[OutcomeListener] = (),
    ):
        self.settings = settings
        self.journal = journal
        self.office = office
        self.releaser = releaser
        self.scanner = scanner
        self.printer = printer
        self.lockers = lockers
        self.screen = screen
        self.outputs = outputs
        self.opener = opener
        self.self_tests = self_tests
        self.sync = sync
        self.outcome_listeners = list(outcome_listeners)  # metrics: never disturb a release
        self.reporter = Reporter(journal, office)
        self.health = DeviceHealth(scanner=scanner, printer=printer, lockers=lockers, signals=outputs.signals)
        self.office_online = True
        self.vehicle_present: bool | None = None
        rating = lambda view: rating_after(view, self.intake.rating_open())  # noqa: E731
        self.timing = ScreenTiming(
            screen, result_seconds=settings.result_seconds, idle=self._idle_view, after=rating
        )
        self.intake = Intake(
            releaser=releaser,
            office=office,
            screen=screen,
            timing=self.timing,
            dedupe_seconds=settings.dedupe_seconds,
        )
        self.last_loop_at = time.monotonic()  # the worker's heartbeat (the watchdog reads it)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._act_lock = threading.Lock()  # held by the worker's reads and service openings: never both
        self.ready = threading.Event()
        if outputs.signals is not None:
            outputs.signals.on_vehicle(self.vehicle)  # a car at the lane: the screen says "hold up the QR"

    # -- life cycle ----------------------------------------------------------------------------
    def start(self) -> None:
        for lockers in self.lockers.values():
            lockers.all_off()
        # a print still running from before the crash is followed briefly, not for a whole job
        follow = min(10.0, self.releaser.prints.settings.print_timeout)
        settled = recover(self.journal, self.printer, self.lockers, follow_seconds=follow)
        if settled:
            log.warning("recovered %d interrupted release(s)", len(settled))
        self.reporter.start()
        self.outputs.start()
        self.poll_devices()
        for target, name in ((self._work, "lane-worker"), (self._monitor, "lane-monitor")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        if self.scanner is not None:
            self.scanner.start(self.intake.on_read)
        self.timing.show_idle()
        if self.sync is not None:
            self.sync.start()
        self.ready.set()
        log.info("lane %s ready", self.settings.lane_id)

    def stop(self) -> None:
        self._stop.set()
        if self.sync is not None:
            self.sync.stop()
        if self.scanner is not None:
            self.scanner.stop()
        for thread in self._threads:
            thread.join(timeout=10)
        self.reporter.stop()
        self.outputs.stop()  # door watches stop before their banks close
        for bank in self.lockers.values():
            try:
                bank.close()  # every relay off
            except Exception:
                log.exception("closing locker bank %s", bank.name)
        if self.printer is not None:
            self.printer.close()
        self.office.close()
        self.journal.close()

    def liveness(self) -> Liveness:
        # a release may hold the worker for a whole print job or door wait, plus the office calls
        busy = self.releaser.prints.settings.print_timeout + self.releaser.doors.door_open_timeout + 60.0
        return Liveness(
            lane_id=self.settings.lane_id,
            last_loop_at=lambda: self.last_loop_at,
            screen_state=lambda: str(self.screen.view.state),
            busy_limit=busy,
        )

    # -- input (any thread) --------------------------------------------------------------------
    def on_read(self, text: str) -> None:
        """A scanner read ``text`` (called from the scanner's thread)."""
        self.intake.on_read(text)

    def enter_short_code(self, digits: str) -> None:
        """The driver typed a short code on the lane screen."""
        self.intake.enter_short_code(digits)

    def enter_pin(self, digits: str) -> None:
        """The driver typed the PIN of a sensitive document after showing its QR."""
        self.intake.enter_pin(digits)

    def rate(self, score: int) -> bool:
        """The driver's one-touch rating of the pickup just made; False when there is none."""
        return self.intake.rate(score)

    def vehicle(self, present: bool) -> None:
        """The vehicle sensor saw a car arrive or leave (called from the sensor's thread)."""
        self.vehicle_present = present
        self.timing.refresh_idle()

    def simulate_scan(self, *, text: str | None = None, image: bytes | None = None) -> list[str]:
        """Feed a text or an image to a simulated scanner (demo, tests, `ambil lane show`)."""
        return scripted_read(self.scanner, text=text, image=image)

    def display(self, view: LaneView, *, hold: float) -> None:
        """Show ``view`` for ``hold`` seconds before the lane returns to its idle screen
        (a technician's screen test, the screenshot tests)."""
        self.timing.show_result(view, hold=hold)

    # -- the worker ----------------------------------------------------------------------------
    def _work(self) -> None:
        while not self._stop.is_set():
            self.last_loop_at = time.monotonic()
            read = self.intake.next(timeout=0.25)
            if read is None:
                self.timing.expire()
                continue
            at, kind, text = read
            try:
                with self._act_lock:
                    outcome = self.intake.handle(at, kind, text)
                if outcome is not None:
                    if outcome.reason == "office.unreachable":
                        self.office_online = False
                    self.reporter.poke()
                    self._tell_outcome(outcome.outcome, time.monotonic() - at)
            except Exception:
                log.exception("release failed unexpectedly")
                self.timing.show_result(make_view(LaneState.PROBLEM, reason="device.failed"))

    def _tell_outcome(self, outcome: str, seconds: float) -> None:
        for listener in self.outcome_listeners:
            try:
                listener(self.settings.lane_id, outcome, seconds)
            except Exception:  # metrics must never disturb a release
                log.exception("outcome listener failed")

    def _idle_view(self) -> LaneView:
        return idle_view(
            office_online=self.office_online,
            can_release=self.health.can_release(),
            vehicle_present=self.vehicle_present,
            prints=self.health.prints(),
            offline_lockers=self.releaser.offline is not None and bool(self.lockers),
        )

    # -- staff actions (never during a release) ------------------------------------------------
    def service_open(self, bank_id: str, door: int, *, actor: str, reason: str, wait: float = 30.0) -> dict:
        """Open one door for staff (loading, a test) under a release's protocol (``lane.busy``
        when a release in progress does not end within ``wait`` seconds)."""
        with self._acting(wait):
            return self.opener.open(bank_id, door, actor=actor, reason=reason)

    def self_test(self, test: str, *, actor: str, wait: float = 30.0, **args) -> dict:
        """A technician's self-test (print | door | frame | lights), never during a release."""
        with self._acting(wait):
            return self.self_tests.run(test, actor=actor, **args)

    def read_door(self, bank_id: str, door: int) -> bool | None:
        """The door sensor now: True open, False closed, None no sensor or not readable."""
        return self.releaser.doors.read(bank_id, door)

    @contextmanager
    def _acting(self, wait: float) -> Iterator[None]:
        if not self._act_lock.acquire(timeout=wait):
            raise AmbilError("a release is in progress", key="lane.busy")
        try:
            yield
        finally:
            self._act_lock.release()

    # -- the monitor ---------------------------------------------------------------------------
    def _monitor(self) -> None:
        while not self._stop.wait(self.settings.status_interval):
            try:
                self.poll_devices()
                was_online = self.office_online
                self.office_online = self.office.ping()
                if was_online != self.office_online:
                    log.warning("office link %s", "restored" if self.office_online else "lost")
                    self.reporter.poke()
                    if self.sync is not None and self.office_online:
                        self.sync.poke()  # reconcile offline releases now
                self.timing.door_closed(self.read_door)  # the driver has the item: on to the rating
                self.timing.refresh_idle()
            except Exception:
                log.exception("device poll failed")

    def poll_devices(self) -> None:
        self.health.poll()

    @property
    def devices(self) -> dict[str, DeviceStatus]:
        return self.health.devices

    def failed_devices(self) -> dict[str, str]:
        """Devices whose driver did not start: name -> why."""
        return self.health.failed()

    @property
    def counters(self) -> LaneCounters:
        return self.intake.counters

    # -- what the API shows --------------------------------------------------------------------
    def status(self) -> dict:
        return lane_status(
            lane_id=self.settings.lane_id,
            name=self.settings.name,
            view=self.screen.view,
            office_online=self.office_online,
            devices=self.health.to_dict(),
            counters=self.intake.counters,
            unreported=len(self.journal.unreported()),
            doors=self.outputs.status(),
            sync=self.sync,
        )
