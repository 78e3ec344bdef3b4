"""How long the lane screen shows a result, and what it shows when there is none.

A result (the door is open, take your document, refused, a problem, type your PIN) stays for
``result_seconds`` (or the hold a caller asks for), then the screen returns to the idle view:
offline, out of service, "hold up the QR" while a car is there, or the welcome (saying so when
prints are not available now). A pickup's result is followed by the rating (``after``), once the
door is closed or the print taken. This is the one place that keeps the deadline; everything else
only says "show this result".
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from controller.lane.screen import LaneState, LaneView, ScreenBus, make_view

# states that show a result for a while, then go back to the idle view
RESULT_STATES = frozenset(
    {
        LaneState.TAKE_DOCUMENT,
        LaneState.DOOR_OPEN,
        LaneState.REFUSED,
        LaneState.PROBLEM,
        LaneState.PIN_ENTRY,
        LaneState.RATING,
    }
)
# states the idle view may replace at any time (the lane's conditions changed)
IDLE_STATES = frozenset(
    {LaneState.READY, LaneState.READING, LaneState.OFFLINE, LaneState.OUT_OF_SERVICE, LaneState.STARTING}
)


def idle_view(
    *,
    office_online: bool,
    can_release: bool,
    vehicle_present: bool | None,
    prints: bool | None = None,
    offline_lockers: bool = False,
) -> LaneView:
    """What the screen shows between pickups. ``prints``: whether the lane's printer can print now
    (None: the lane has none, so there is nothing to say); ``offline_lockers``: whether locker
    pickups go on while the office is unreachable (the screen says what still works)."""
    if not office_online:
        return make_view(LaneState.OFFLINE, lockers=offline_lockers)
    if not can_release:
        return make_view(LaneState.OUT_OF_SERVICE)
    limits = {"prints": False} if prints is False else {}
    if vehicle_present:
        return make_view(LaneState.READING, **limits)
    return make_view(LaneState.READY, **limits)


def rating_after(view: LaneView, rating_open: bool) -> LaneView | None:
    """The rating once a pickup's result is over (door closed, print taken), else None."""
    if rating_open and view.state in (LaneState.DOOR_OPEN, LaneState.TAKE_DOCUMENT):
        return make_view(LaneState.RATING)
    return None


class ScreenTiming:
    """Holds results on ``screen`` for ``result_seconds``; ``idle`` gives the idle view now."""

    def __init__(
        self,
        screen: ScreenBus,
        *,
        result_seconds: float,
        idle: Callable[[], LaneView],
        after: Callable[[LaneView], LaneView | None] = lambda view: None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.screen = screen
        self.result_seconds = result_seconds
        self._idle = idle
        self._after = after  # what follows a result before the idle view (the rating), or None
        self._clock = clock
        self._lock = threading.Lock()
        self._until = 0.0

    def show_result(self, view: LaneView | None = None, *, hold: float | None = None) -> None:
        """Show ``view`` (None: what is on the screen now, e.g. the release's own last view) and
        keep it for ``hold`` seconds (default ``result_seconds``)."""
        with self._lock:
            self._until = self._clock() + (self.result_seconds if hold is None else hold)
        if view is not None:
            self.screen.publish(view)

    def expire(self) -> None:
        """Back to the idle view once a result has been shown long enough."""
        with self._lock:
            due = self._clock() >= self._until
        if due and self.screen.view.state in RESULT_STATES:
            follow = self._after(self.screen.view)
            if follow is not None:
                self.show_result(follow)
            else:
                self.show_idle()

    def door_closed(self, read_door: Callable[[str, int], bool | None]) -> None:
        """The door the screen shows open reads closed (``read_door(bank, door)`` is False): the
        result is over before its time, move on (to the rating)."""
        view = self.screen.view
        if view.state != LaneState.DOOR_OPEN or "bank" not in view.detail:
            return
        if read_door(view.detail["bank"], int(view.detail.get("door", 0))) is False:
            with self._lock:
                self._until = 0.0
            self.expire()

    def refresh_idle(self) -> None:
        """The lane's conditions changed: update the screen unless it shows a result or a release."""
        if self.screen.view.state in IDLE_STATES:
            self.show_idle()

    def show_idle(self) -> None:
        view, now = self._idle(), self.screen.view
        if (view.state, view.detail) != (now.state, now.detail):
            self.screen.publish(view)
