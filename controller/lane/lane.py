"""The lane: reads codes, runs releases one at a time, keeps the screen and device health current.

Threads, each with one job:
- the scanner's own worker pushes raw texts into ``_reads``;
- ``lane-worker`` takes them one at a time: parse, drop repeats, release, show the result;
- ``lane-monitor`` polls device health and the office link every few seconds;
- the ``Reporter`` tells the office each outcome until acknowledged.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass, field

from controller.kernel.codes import code_hash, parse_code, parse_short_code
from controller.kernel.errors import AmbilError, CodeError
from controller.lane.dedupe import Deduper
from controller.lane.journal import Journal
from controller.lane.office_client import OfficeClient
from controller.lane.outputs import LaneOutputs
from controller.lane.recovery import recover
from controller.lane.release import Outcome, Releaser
from controller.lane.reporter import Reporter
from controller.lane.screen import LaneState, LaneView, ScreenBus, make_view
from controller.lane.staff_doors import service_open as run_service_open
from hardware.errors import DeviceError
from hardware.locker.interface import LockerBank
from hardware.printer.interface import Printer
from hardware.scanner.interface import Scanner
from hardware.status import DeviceState, DeviceStatus

log = logging.getLogger(__name__)

# states that show a result for a while, then go back to the welcome screen
RESULT_STATES = {
    LaneState.TAKE_DOCUMENT,
    LaneState.DOOR_OPEN,
    LaneState.REFUSED,
    LaneState.PROBLEM,
    LaneState.PIN_ENTRY,
}
PIN_SECONDS = 60.0  # how long the lane waits for the PIN after the QR
RATING_SECONDS = 60.0  # how long after a pickup its rating is taken


@dataclass
class LaneSettings:
    lane_id: str = "lane-1"
    name: str = "Lajur 1"
    dedupe_seconds: float = 3.0
    result_seconds: float = 8.0
    status_interval: float = 2.0


@dataclass
class LaneCounters:
    reads: int = 0
    repeats: int = 0
    malformed: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)


class Lane:
    def __init__(
        self,
        *,
        settings: LaneSettings,
        journal: Journal,
        office: OfficeClient,
        releaser: Releaser,
        scanner: Scanner | None,
        printer: Printer | None,
        lockers: dict[str, LockerBank],
        screen: ScreenBus,
        outputs: LaneOutputs | None = None,
    ):
        self.settings = settings
        self.journal = journal
        self.office = office
        self.releaser = releaser
        self.scanner = scanner
        self.printer = printer
        self.lockers = lockers
        self.screen = screen
        self.outputs = outputs or LaneOutputs(screen, None, {})
        self.reporter = Reporter(journal, office)
        self.counters = LaneCounters()
        self.devices: dict[str, DeviceStatus] = {}
        self.office_online = True
        self.last_loop_at = time.monotonic()  # the worker's heartbeat (the watchdog reads it)
        # called as (lane_id, outcome, seconds from the read) after each release: metrics
        self.outcome_listeners: list = []
        self._reads: queue.Queue[tuple[float, str, str]] = queue.Queue(maxsize=1000)
        self._dedupe = Deduper(settings.dedupe_seconds)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._result_until = 0.0
        self._pending_pin: tuple[tuple[str, str] | None, float] = (None, 0.0)  # a code awaiting its PIN
        self._last_release: tuple[str | None, float] = (None, 0.0)  # claim the driver may rate
        self.vehicle_present: bool | None = None
        # held by the worker while it handles a read, and by a service opening: the two never overlap
        self._act_lock = threading.Lock()
        self.ready = threading.Event()
        self.heartbeat = None  # a HeartbeatSender (controller/lane/heartbeat.py), set by the composition root
        self.sync = None  # a SyncWorker (controller/lane/sync.py): offline store and reconciliation

    # -- life cycle ----------------------------------------------------------------------------
    def start(self) -> None:
        for lockers in self.lockers.values():
            lockers.all_off()
        # a print still running from before the crash is followed briefly, not for a whole job
        follow = min(10.0, self.releaser.settings.print_timeout)
        settled = recover(self.journal, self.printer, self.lockers, follow_seconds=follow)
        if settled:
            log.warning("recovered %d interrupted release(s)", len(settled))
        self.reporter.start()
        self.outputs.start()
        self._poll_devices()
        for target, name in ((self._work, "lane-worker"), (self._monitor, "lane-monitor")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        if self.scanner is not None:
            self.scanner.start(self.on_read)
        self._show_idle()
        if self.heartbeat is not None:
            self.heartbeat.start()
        if self.sync is not None:
            self.sync.start()
        self.ready.set()
        log.info("lane %s ready", self.settings.lane_id)

    def stop(self) -> None:
        self._stop.set()
        if self.heartbeat is not None:
            self.heartbeat.stop()
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

    # -- input ---------------------------------------------------------------------------------
    def on_read(self, text: str) -> None:
        """A scanner read ``text`` (called from the scanner's thread)."""
        self._enqueue("qr", text)

    def enter_short_code(self, digits: str) -> None:
        """The driver typed a short code on the lane screen."""
        self._enqueue("short", digits)

    def enter_pin(self, digits: str) -> None:
        """The driver typed the PIN of a sensitive document after showing its QR."""
        self._enqueue("pin", digits)

    def vehicle(self, present: bool) -> None:
        """The vehicle sensor saw a car arrive or leave (called from the sensor's thread)."""
        self.vehicle_present = present
        if self.screen.view.state in (LaneState.READY, LaneState.READING):
            self._show_idle()

    def rate(self, score: int) -> bool:
        """The driver's one-touch rating of the pickup just made; False when there is none."""
        claim_id, until = self._last_release
        if claim_id is None or time.monotonic() > until:
            return False
        self._last_release = (None, 0.0)  # one pickup, one vote
        try:
            self.office.rate(claim_id=claim_id, score=int(score))
        except AmbilError as exc:  # a lost rating must never bother the driver
            log.warning("rating not stored: %s", exc.key)
        self.screen.publish(make_view(self.screen.view.state, **{**self.screen.view.detail, "rated": True}))
        return True

    def simulate_scan(self, *, text: str | None = None, image: bytes | None = None) -> list[str]:
        """Feed a text or an image to a simulated scanner (demo, tests, `ambil lane show`).

        The read goes through the scanner's own path (for an image: the same QR decoder as the
        camera), so what follows is exactly what a real read would cause.
        """
        scanner = self.scanner
        if scanner is None or not hasattr(scanner, "inject"):
            raise AmbilError(
                "this lane's scanner is not simulated (lane.scanner.type != 'sim')", key="device.failed"
            )
        if image is not None:
            try:
                return scanner.show_image(image)
            except DeviceError as exc:
                raise AmbilError(str(exc), key="scan.bad_image") from None
        scanner.inject(text)
        return [text]

    def _enqueue(self, kind: str, text: str) -> None:
        try:
            self._reads.put_nowait((time.monotonic(), kind, text))
        except queue.Full:
            log.warning("read queue full, dropping a read")

    # -- the worker ----------------------------------------------------------------------------
    def _work(self) -> None:
        while not self._stop.is_set():
            self.last_loop_at = time.monotonic()
            try:
                at, kind, text = self._reads.get(timeout=0.25)
            except queue.Empty:
                self._expire_result()
                continue
            try:
                with self._act_lock:
                    outcome = self.handle(at, kind, text)
                if outcome is not None:
                    self._tell_outcome(outcome.outcome, time.monotonic() - at)
            except Exception:
                log.exception("release failed unexpectedly")
                self.screen.publish(make_view(LaneState.PROBLEM, reason="device.failed"))
                self._result_until = time.monotonic() + self.settings.result_seconds

    def _tell_outcome(self, outcome: str, seconds: float) -> None:
        for listener in self.outcome_listeners:
            try:
                listener(self.settings.lane_id, outcome, seconds)
            except Exception:  # metrics must never disturb a release
                log.exception("outcome listener failed")

    def handle(self, at: float, kind: str, text: str) -> Outcome | None:
        """Handle one read: parse, drop repeats, release. Returns the outcome when released."""
        self.counters.reads += 1
        try:
            if kind == "pin":
                return self._handle_pin(text)
            if kind == "short":
                digits = parse_short_code(text)
                outcome = self.releaser.release(short_code=digits)
            else:
                code = parse_code(text)
                key = code_hash(code)
                if self._dedupe.is_repeat(key, at):
                    self.counters.repeats += 1
                    return None
                outcome = self.releaser.release(code_hash=key)
        except CodeError as exc:
            self.counters.malformed += 1
            if self._dedupe.is_repeat("malformed:" + text[:64], at):
                return None
            self.screen.publish(make_view(LaneState.REFUSED, reason=exc.key))
            self._result_until = time.monotonic() + self.settings.result_seconds
            return None
        return self._after(outcome, pending=("qr", key) if kind == "qr" else ("short", digits))

    def _handle_pin(self, digits: str) -> Outcome | None:
        pending, until = self._pending_pin
        self._pending_pin = (None, 0.0)
        if pending is None or time.monotonic() > until:
            self.screen.publish(make_view(LaneState.REFUSED, reason="code.pin_expired"))
            self._result_until = time.monotonic() + self.settings.result_seconds
            return None
        if not digits.isdigit() or not 4 <= len(digits) <= 8:
            self.screen.publish(make_view(LaneState.REFUSED, reason="code.pin_wrong"))
            self._result_until = time.monotonic() + self.settings.result_seconds
            return None
        kind, value = pending
        if kind == "qr":
            outcome = self.releaser.release(code_hash=value, pin=digits)
        else:
            outcome = self.releaser.release(short_code=value, pin=digits)
        return self._after(outcome, pending=pending)

    def _after(self, outcome: Outcome, *, pending: tuple[str, str] | None) -> Outcome:
        if outcome.reason == "code.pin_required" and pending:
            # the same code, once its PIN is typed (the digits of a short code stay in memory only)
            self._pending_pin = (pending, time.monotonic() + PIN_SECONDS)
        if outcome.outcome == "released":
            self._last_release = (outcome.claim_id, time.monotonic() + RATING_SECONDS)
        self.counters.outcomes[outcome.outcome] = self.counters.outcomes.get(outcome.outcome, 0) + 1
        if outcome.reason == "office.unreachable":
            self.office_online = False
        self.reporter.poke()
        self._result_until = time.monotonic() + self.settings.result_seconds
        return outcome

    def display(self, view: LaneView, *, hold: float) -> None:
        """Show ``view`` for ``hold`` seconds before the lane returns to its idle screen
        (a technician's screen test, the screenshot tests)."""
        self._result_until = time.monotonic() + hold
        self.screen.publish(view)

    def _expire_result(self) -> None:
        state = self.screen.view.state
        if state in RESULT_STATES and time.monotonic() >= self._result_until:
            self._show_idle()

    def _show_idle(self) -> None:
        if not self.office_online:
            view = make_view(LaneState.OFFLINE)
        elif not self._can_release():
            view = make_view(LaneState.OUT_OF_SERVICE)
        elif self.vehicle_present:
            view = make_view(LaneState.READING)
        else:
            view = make_view(LaneState.READY)
        if view.state != self.screen.view.state:
            self.screen.publish(view)

    def _can_release(self) -> bool:
        usable = [
            s
            for s in self.devices.values()
            if s.kind in ("printer", "locker") and s.state in (DeviceState.OK, DeviceState.WARNING)
        ]
        return bool(usable) or not any(s.kind in ("printer", "locker") for s in self.devices.values())

    # -- staff actions -------------------------------------------------------------------------
    def service_open(self, bank_id: str, door: int, *, actor: str, reason: str, wait: float = 30.0) -> dict:
        """Open one door for staff (loading, a test) under the same protocol as a release.

        Waits up to ``wait`` seconds for a release in progress to finish; then ``lane.busy``.
        """
        if not self._act_lock.acquire(timeout=wait):
            raise AmbilError("a release is in progress", key="lane.busy")
        try:
            return run_service_open(self, bank_id, door, actor=actor, reason=reason)
        finally:
            self._act_lock.release()

    def self_test(self, test: str, *, actor: str, wait: float = 30.0, **args) -> dict:
        """A technician's self-test (print | door | frame | lights), never during a release."""
        from controller.lane.selftest import run_self_test

        if not self._act_lock.acquire(timeout=wait):
            raise AmbilError("a release is in progress", key="lane.busy")
        try:
            return run_self_test(self, test, actor=actor, **args)
        finally:
            self._act_lock.release()

    # -- the monitor ---------------------------------------------------------------------------
    def _monitor(self) -> None:
        while not self._stop.wait(self.settings.status_interval):
            try:
                self._poll_devices()
                was_online = self.office_online
                self.office_online = self.office.ping()
                if was_online != self.office_online:
                    log.warning("office link %s", "restored" if self.office_online else "lost")
                    self.reporter.poke()
                    if self.sync is not None and self.office_online:
                        self.sync.poke()  # reconcile offline releases now
                if self.screen.view.state in (
                    LaneState.READY,
                    LaneState.READING,
                    LaneState.OFFLINE,
                    LaneState.OUT_OF_SERVICE,
                    LaneState.STARTING,
                ):
                    self._show_idle()
            except Exception:
                log.exception("device poll failed")

    def _poll_devices(self) -> None:
        devices: dict[str, DeviceStatus] = {}
        if self.scanner is not None:
            devices["scanner"] = self._status_of(self.scanner, "scanner")
        if self.printer is not None:
            devices["printer"] = self._status_of(self.printer, "printer")
        for bank_id, bank in self.lockers.items():
            devices[f"locker:{bank_id}"] = self._status_of(bank, "locker")
        self.devices = devices

    @staticmethod
    def _status_of(device, kind: str) -> DeviceStatus:
        try:
            status = device.status()
        except Exception as exc:  # a driver bug must not take the lane down
            status = DeviceStatus(
                kind=kind, name=getattr(device, "name", kind), state=DeviceState.ERROR, detail=str(exc)
            )
        status.kind = kind
        return status

    # -- what the API shows --------------------------------------------------------------------
    def status(self) -> dict:
        return {
            "lane_id": self.settings.lane_id,
            "name": self.settings.name,
            "view": self.screen.view.to_dict(),
            "office_online": self.office_online,
            "devices": {key: s.to_dict() for key, s in self.devices.items()},
            "counters": {
                "reads": self.counters.reads,
                "repeats": self.counters.repeats,
                "malformed": self.counters.malformed,
                "outcomes": dict(self.counters.outcomes),
            },
            "unreported": len(self.journal.unreported()),
            "doors": self.outputs.status(),
            **self._offline_status(),
        }

    def _offline_status(self) -> dict:
        """``clock: {synchronised, skew_s}`` and the offline store, when this lane syncs."""
        if self.sync is None:
            return {}
        return {"clock": self.sync.store.clock.status(), "offline": self.sync.status()}
