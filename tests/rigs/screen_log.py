"""Every view a lane screen shows, for tests that wait for one.

A result view (refused, problem, take_document, door_open, pin_entry) shows for
``lane.result_seconds`` only (0.3 s in the test configs) and then the lane goes back to its
welcome screen. Polling ``lane.screen.view`` for it can miss it on a busy machine; a ``ScreenLog``
subscribed before the action keeps every view, so a wait for it cannot miss it.
"""

from __future__ import annotations

import threading

from controller.lane.screen import LaneView, ScreenBus
from tests.rigs.wait import wait_for


class ScreenLog:
    """``ScreenLog(lane.screen)`` records from now on; ``wait(state=..., reason=...)`` finds a view."""

    def __init__(self, screen: ScreenBus):
        self._lock = threading.Lock()
        self._views: list[LaneView] = []
        self.close = screen.subscribe(self._add)

    def _add(self, view: LaneView) -> None:
        with self._lock:
            self._views.append(view)

    @property
    def views(self) -> list[LaneView]:
        with self._lock:
            return list(self._views)

    def find(self, state: str | None = None, reason: str | None = None, after: int = 0) -> LaneView | None:
        """The first view with ``state`` and ``reason`` (None: any) whose seq is above ``after``."""
        for view in self.views:
            if view.seq > after and state in (None, view.state) and reason in (None, view.reason):
                return view
        return None

    def wait(self, state: str | None = None, reason: str | None = None, after: int = 0, **wait) -> LaneView:
        """Wait for ``find(state, reason, after)``; returns the view (its ``seq`` for a later ``after``)."""
        return wait_for(
            lambda: self.find(state, reason, after),
            what=lambda: (
                f"a view {state or '*'}/{reason or '*'} (shown: {[(v.state, v.reason) for v in self.views]})"
            ),
            **wait,
        )
