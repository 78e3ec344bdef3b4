"""A trusted-time floor for a lane Pi without a real-time clock.

A Raspberry Pi has no battery clock: it may boot in 1970 or 2001, or with a clock an NTP server
set wrong. Offline releases check pickup expiry by the lane's clock, so the lane keeps a *floor*:
a time it knows has already passed, which never moves back:

    floor = max(office time seen at the last sync + monotonic time elapsed since,
                the floor persisted earlier (+ monotonic time elapsed since it was loaded),
                the build time of this software)

The floor is persisted in the lane journal DB at every sync and periodically. The wall clock is
never written into the floor, so a clock that runs ahead cannot poison it.

``now()`` is the time offline releases use:

- behind: ``max(system time, floor)``, so a clock set back to 2001 never accepts an expired code;
- ahead: a clock running far ahead would refuse valid codes. Once this boot has seen the office's
  time (every successful sync), the office-anchored time is used instead of the system time when
  the two differ by more than ``tolerance_s``. So a clock that is ahead refuses valid codes at most
  until the next sync (``lane.sync_seconds``) after the office comes back - and, while offline
  since boot, only when it boots with a bad clock and no sync was possible at all.

``status()`` gives ``{synchronised, skew_s}`` for the technician dashboard.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Protocol

log = logging.getLogger(__name__)

# The software's own build time (2026-11-01 UTC): no real "now" can be earlier. Bump at release.
BUILD_TIME = 1_793_491_200.0
DEFAULT_TOLERANCE_S = 120.0
# The longest offline grace period a lane may have (lane.offline_grace_seconds): the office waits
# this long for a lane that never told it its own before it frees a door that lane might open.
OFFLINE_GRACE_MAX_SECONDS = 7 * 86400.0


class FloorStore(Protocol):
    """Where the floor survives restarts (the lane journal DB)."""

    def load_floor(self) -> float | None: ...

    def save_floor(self, value: float) -> None:
        """Store ``value`` unless a higher floor is stored already (never moves back)."""


class TrustedClock:
    """The lane's trusted time. Thread-safe; ``store`` may be None (tests, all-in-one)."""

    def __init__(
        self,
        store: FloorStore | None = None,
        *,
        build_time: float = BUILD_TIME,
        tolerance_s: float = DEFAULT_TOLERANCE_S,
        wall: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ):
        self._store = store
        self._wall = wall
        self._mono = monotonic
        self.tolerance_s = tolerance_s
        self._lock = threading.Lock()
        persisted = (store.load_floor() if store is not None else None) or 0.0
        # a floor loaded now: it has passed, and so has every second since (monotonic)
        self._loaded = (max(persisted, build_time), monotonic())
        self._anchor: tuple[float, float] | None = None  # (office time, monotonic then)
        self._high = self._loaded[0]
        self._warned = False

    # -- inputs ------------------------------------------------------------------------------
    def observe_office_time(self, office_time: float) -> None:
        """The office said it is ``office_time`` (at a successful sync): anchor and persist."""
        with self._lock:
            self._anchor = (float(office_time), self._mono())
        self.persist()

    def persist(self) -> float:
        """Write the current floor to the store (called at every sync and periodically)."""
        value = self.floor()
        if self._store is not None:
            self._store.save_floor(value)
        return value

    # -- outputs -----------------------------------------------------------------------------
    def floor(self) -> float:
        """A time that has certainly passed; never lower than any value returned before."""
        mono = self._mono()
        with self._lock:
            base, loaded_at = self._loaded
            candidates = [base + (mono - loaded_at)]
            if self._anchor is not None:
                candidates.append(self._anchor[0] + (mono - self._anchor[1]))
            self._high = max(self._high, *candidates)
            return self._high

    def office_estimate(self) -> float | None:
        """The office's time now as projected from this boot's last sync (None before one)."""
        with self._lock:
            anchor = self._anchor
        return None if anchor is None else anchor[0] + (self._mono() - anchor[1])

    def now(self) -> float:
        """The time to check expiry by (see the module docstring for ahead and behind clocks)."""
        wall, floor = self._wall(), self.floor()
        office = self.office_estimate()
        if office is not None and abs(wall - office) > self.tolerance_s:
            self._warn(wall - office)
            return max(office, floor)
        if wall < floor - self.tolerance_s:
            self._warn(wall - floor)
        return max(wall, floor)

    def status(self) -> dict:
        """``{synchronised, skew_s}``: skew of the system clock against the best reference."""
        wall, floor = self._wall(), self.floor()
        office = self.office_estimate()
        if office is not None:
            skew = wall - office
            synchronised = abs(skew) <= self.tolerance_s
        else:  # no office time this boot: only "behind the floor" can be told
            skew = min(0.0, wall - floor)
            synchronised = skew >= -self.tolerance_s
        return {"synchronised": synchronised, "skew_s": round(skew, 1), "floor": round(floor, 1)}

    def _warn(self, skew: float) -> None:
        if not self._warned:  # once per clock, not per release
            self._warned = True
            log.warning("system clock not synchronised: %.0f s off the trusted time", skew)
