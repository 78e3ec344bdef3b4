"""How long the lane screen shows a result, and what it shows when there is none.

A result (the door is open, take your document, refused, a problem, type your PIN) stays for
``result_seconds`` (or the hold a caller asks for), then the screen returns to the idle view:
offline, out of service, "hold up the QR" while a car is there, or the welcome. This is the one
place that keeps the deadline; everything else only says "show this result".
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from controller.lane.screen import LaneState, LaneView, ScreenBus, make_view

# states that show a result for a while, then go back to the idle view
RESULT_STATES = frozenset(
    {LaneState.TAKE_DOCUMENT, LaneState.DOOR_OPEN, LaneState.REFUSED, LaneState.PROBLEM, LaneState.PIN_ENTRY}
)
# states the idle view may replace at any time (the lane's conditions changed)
IDLE_STATES = frozenset(
    {LaneState.READY, LaneState.READING, LaneState.OFFLINE, LaneState.OUT_OF_SERVICE, LaneState.STARTING}
)


def idle_view(*, office_online: bool, can_release: bool, vehicle_present: bool | None) -> LaneView:
    """What the screen shows between pickups."""
    if not office_online:
        return make_view(LaneState.OFFLINE)
    if not can_release:
        return make_view(LaneState.OUT_OF_SERVICE)
    if vehicle_present:
        return make_view(LaneState.READING)
    return make_view(LaneState.READY)


class ScreenTiming:
    """Holds results on ``screen`` for ``result_seconds``; ``idle`` gives the idle view now."""

    def __init__(
        self,
        screen: ScreenBus,
        *,
        result_seconds: float,
        idle: Callable[[], LaneView],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.screen = screen
        self.result_seconds = result_seconds
        self._idle = idle
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
            self.show_idle()

    def refresh_idle(self) -> None:
        """The lane's conditions changed: update the screen unless it shows a result or a release."""
        if self.screen.view.state in IDLE_STATES:
            self.show_idle()

    def show_idle(self) -> None:
        view = self._idle()
        if view.state != self.screen.view.state:
            self.screen.publish(view)
