"""The locker bank interface the lane uses.

A bank is a row of doors, numbered from 1, each with an electric lock that opens on a relay pulse
and (optionally) a door sensor. Methods block; the lane calls them from a worker thread.
Safety rules every driver keeps: every relay is off at start, after an error and on ``close()``;
one pulse at a time per bank; the pulse length is clamped to ``max_pulse_ms``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from hardware.status import DeviceStatus

# How long a door may stand open before it counts as "left open" (the drivers' WARNING status and the
# door watch's alarm). The one default: ``lane.door_left_open_seconds`` in the config overrides it
# and reaches every driver and the watch through the composition root.
DOOR_LEFT_OPEN_SECONDS = 60.0


class LockerBank(ABC):
    name: str
    doors: int
    max_pulse_ms: int = 1000

    @abstractmethod
    def pulse(self, door: int, ms: int) -> int:
        """Energise ``door``'s relay for ``ms`` milliseconds (clamped), then switch it off.

        Returns the pulse length actually used. Raises ``LockerError`` for a door that does not
        exist, ``DeviceOffline`` when the bank cannot be reached.
        """

    @abstractmethod
    def door_open(self, door: int) -> bool | None:
        """The sensor's reading: True open, False closed, None when the door has no sensor."""

    def wait_open(self, door: int, timeout: float) -> bool | None:
        """Wait up to ``timeout`` seconds for the door to read open.

        True opened, False not detected, None no sensor. Drivers may override to wait on an
        edge instead of polling.
        """
        import time

        deadline = time.monotonic() + timeout
        while True:
            state = self.door_open(door)
            if state is None or state:
                return state
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)

    @abstractmethod
    def all_off(self) -> None:
        """Switch every relay off (safe state)."""

    @abstractmethod
    def status(self) -> DeviceStatus:
        """Bank health; ``info['doors']`` maps door number to 'open'/'closed'/'unknown'."""

    def close(self) -> None:
        """Leave every relay off and release pins or ports."""
        self.all_off()
