"""Every view a lane's screen showed, in order, so a test can wait for a view that was shown.

A result screen lasts ``lane.result_seconds`` (0.3 s in the lane tests) and then the lane goes
back to its idle screen: a test that polls ``lane.screen.view`` can miss it on a busy machine.
The log subscribes to the lane's ``ScreenBus`` before the lane starts and keeps every view.
"""

from __future__ import annotations

import threading
import weakref

from tests.rigs.server import wait_for

_LOGS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class ScreenLog:
    def __init__(self, bus):
        self._lock = threading.Lock()
        self.views: list = []
        bus.subscribe(self._record)

    @classmethod
    def of(cls, lane) -> ScreenLog:
        """The log of ``lane``'s screen (made at first use: build it before the lane starts)."""
        log = _LOGS.get(lane.screen)
        if log is None:
            log = _LOGS[lane.screen] = cls(lane.screen)
        return log

    def _record(self, view) -> None:
        with self._lock:
            self.views.append(view)

    def mark(self) -> int:
        """A point in the log: ``wait(since=mark)`` looks only at views shown after it."""
        with self._lock:
            return len(self.views)

    def wait(self, *, since: int = 0, state: str | None = None, reason: str | None = None, timeout=10.0):
        """The first view shown after ``since`` with this state and/or reason."""

        def shown():
            with self._lock:
                later = self.views[since:]
            for view in later:
                if (state is None or view.state == state) and (reason is None or view.reason == reason):
                    return view
            return None

        seen = lambda: [(v.state, v.reason) for v in self.views[since:]]  # noqa: E731
        return wait_for(shown, timeout, what=f"screen {state or ''} {reason or ''} (shown: {seen()})")
