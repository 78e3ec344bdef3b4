"""What comes in at the lane and what it starts: the read queue, repeats dropped, the PIN a
sensitive code waits for, and the driver's rating of the pickup just made.

Reads arrive from the scanner's and the web's threads (``on_read``, ``enter_short_code``,
``enter_pin``) and wait in a bounded queue; the lane's worker takes them one at a time (``next``)
and ``handle`` runs each to its end: parse, drop repeats, release, hold the result on the screen.
"""

from __future__ import annotations

import logging
import queue
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from controller.kernel.codes import code_hash, parse_code, parse_short_code
from controller.kernel.errors import AmbilError, CodeError
from controller.lane.dedupe import Deduper
from controller.lane.link import OfficeLink
from controller.lane.release import Outcome, Releaser
from controller.lane.screen import LaneState, ScreenBus, make_view
from controller.lane.screen_timing import ScreenTiming
from hardware.errors import DeviceError
from hardware.scanner.interface import Scanner

log = logging.getLogger(__name__)

PIN_SECONDS = 60.0  # how long the lane waits for the PIN after the QR
RATING_SECONDS = 60.0  # how long after a pickup its rating is taken
QUEUE_SIZE = 1000


@dataclass
class LaneCounters:
    reads: int = 0
    repeats: int = 0
    malformed: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)


class Intake:
    """Reads in, releases out. ``timing`` holds every result on the screen; ``office`` takes
    ratings."""

    def __init__(
        self,
        *,
        releaser: Releaser,
        office: OfficeLink,
        screen: ScreenBus,
        timing: ScreenTiming,
        dedupe_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.releaser = releaser
        self.office = office
        self.screen = screen
        self.timing = timing
        self.counters = LaneCounters()
        self._clock = clock
        self._reads: queue.Queue[tuple[float, str, str]] = queue.Queue(maxsize=QUEUE_SIZE)
        self._dedupe = Deduper(dedupe_seconds)
        self._pending_pin: tuple[tuple[str, str] | None, float] = (None, 0.0)  # a code awaiting its PIN
        self._last_release: tuple[str | None, float] = (None, 0.0)  # the claim the driver may rate

    # -- in (any thread) -----------------------------------------------------------------------
    def on_read(self, text: str) -> None:
        """A scanner read ``text``."""
        self._enqueue("qr", text)

    def enter_short_code(self, digits: str) -> None:
        """The driver typed a short code on the lane screen."""
        self._enqueue("short", digits)

    def enter_pin(self, digits: str) -> None:
        """The driver typed the PIN of a sensitive document after showing its QR."""
        self._enqueue("pin", digits)

    def _enqueue(self, kind: str, text: str) -> None:
        try:
            self._reads.put_nowait((self._clock(), kind, text))
        except queue.Full:
            log.warning("read queue full, dropping a read")

    def next(self, timeout: float) -> tuple[float, str, str] | None:
        """The oldest read ``(at, kind, text)``, waiting up to ``timeout`` s; None when none came."""
        try:
            return self._reads.get(timeout=timeout)
        except queue.Empty:
            return None

    # -- the worker ----------------------------------------------------------------------------
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
            self.timing.show_result(make_view(LaneState.REFUSED, reason=exc.key))
            return None
        return self._after(outcome, pending=("qr", key) if kind == "qr" else ("short", digits))

    def _handle_pin(self, digits: str) -> Outcome | None:
        pending, until = self._pending_pin
        self._pending_pin = (None, 0.0)
        if pending is None or self._clock() > until:
            self.timing.show_result(make_view(LaneState.REFUSED, reason="code.pin_expired"))
            return None
        if not digits.isdigit() or not 4 <= len(digits) <= 8:
            self.timing.show_result(make_view(LaneState.REFUSED, reason="code.pin_wrong"))
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
            self._pending_pin = (pending, self._clock() + PIN_SECONDS)
        if outcome.outcome == "released":
            self._last_release = (outcome.claim_id, self._clock() + RATING_SECONDS)
        self.counters.outcomes[outcome.outcome] = self.counters.outcomes.get(outcome.outcome, 0) + 1
        self.timing.show_result()  # the screen already shows the outcome (Releaser.on_outcome): hold it
        return outcome

    # -- the rating ----------------------------------------------------------------------------
    def rating_open(self) -> bool:
        """Whether the pickup just made may still be rated (the screen then offers the rating)."""
        claim_id, until = self._last_release
        return claim_id is not None and self._clock() <= until

    def rate(self, score: int) -> bool:
        """The driver's one-touch rating of the pickup just made; False when there is none."""
        claim_id, until = self._last_release
        if claim_id is None or self._clock() > until:
            return False
        self._last_release = (None, 0.0)  # one pickup, one vote
        try:
            self.office.rate(claim_id=claim_id, score=int(score))
        except AmbilError as exc:  # a lost rating must never bother the driver
            log.warning("rating not stored: %s", exc.key)
        self.screen.publish(make_view(self.screen.view.state, **{**self.screen.view.detail, "rated": True}))
        return True


def scripted_read(
    scanner: Scanner | None, *, text: str | None = None, image: bytes | None = None
) -> list[str]:
    """Feed a text or an image to a simulated scanner; the read goes through the scanner's own
    path (for an image: the camera's QR decoder), so what follows is what a real read causes."""
    scripted = scanner.scripted() if scanner is not None else None
    if scripted is None:
        raise AmbilError(
            "this lane's scanner is not simulated (lane.scanner.type != 'sim')", key="device.failed"
        )
    if image is not None:
        try:
            return scripted.show_image(image)
        except DeviceError as exc:
            raise AmbilError(str(exc), key="scan.bad_image") from None
    scripted.inject(text)
    return [text]
