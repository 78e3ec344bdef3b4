"""The lane signals interface: a traffic light, a buzzer and a vehicle-present sensor.

Signals guide the driver but never gate a release, so a driver keeps them out of the lane's way:
``show``, ``beep`` and ``silence`` return at once (patterns run on a background thread) and never
raise for a hardware fault. A failed output goes to the safe state (every output off) and is
reported through ``status()``, so the lane keeps serving with dark lights. Only a caller bug (an
unknown light state or beep pattern) raises ``ValueError``.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass

from hardware.status import DeviceStatus

log = logging.getLogger(__name__)

LIGHT_STATES = ("ready", "limited", "busy", "fault", "off")
COLOURS = ("green", "amber", "red")
STEADY = "steady"
BLINK = "blink"
BLINK_S = 0.5  # on and off time of a blinking lamp


@dataclass(frozen=True)
class BeepPattern:
    """``count`` beeps of ``on_s`` seconds with ``off_s`` seconds between; ``count=None`` repeats."""

    on_s: float
    off_s: float
    count: int | None


BEEP_PATTERNS: dict[str, BeepPattern] = {
    "ok": BeepPattern(0.15, 0.1, 1),
    "error": BeepPattern(0.12, 0.12, 3),
    "alarm": BeepPattern(1.0, 0.5, None),  # until silence()
    "key": BeepPattern(0.02, 0.0, 1),
}


def check_light_state(state: str) -> str:
    if state not in LIGHT_STATES:
        raise ValueError(f"unknown light state {state!r} (one of {', '.join(LIGHT_STATES)})")
    return state


def check_pattern(pattern: str, patterns: dict[str, BeepPattern]) -> BeepPattern:
    try:
        return patterns[pattern]
    except KeyError:
        raise ValueError(f"unknown beep pattern {pattern!r} (one of {', '.join(patterns)})") from None


def light_plan(state: str, fitted: set[str] | frozenset[str]) -> dict[str, str]:
    """Which of the ``fitted`` lamps to light for ``state``: colour -> ``STEADY`` or ``BLINK``.

    Ready is green, busy amber, fault red. A two-colour traffic light (no amber) shows busy as
    steady red, because the car at the window must stay put; fault then blinks red so the driver
    can still tell "wait" from "out of service". Limited (prints unavailable, lockers work) is
    green with amber blinking beside it, or a blinking green where no amber is fitted: come in,
    but not everything works.
    """
    check_light_state(state)
    if state == "ready":
        wanted = {"green": STEADY}
    elif state == "limited":
        wanted = {"green": STEADY, "amber": BLINK} if "amber" in fitted else {"green": BLINK}
    elif state == "busy":
        wanted = {"amber": STEADY} if "amber" in fitted else {"red": STEADY}
    elif state == "fault":
        wanted = {"red": STEADY if "amber" in fitted else BLINK}
    else:
        wanted = {}
    return {colour: how for colour, how in wanted.items() if colour in fitted}


def notify_vehicle(callbacks: list[Callable[[bool], None]], present: bool) -> None:
    """Call every vehicle callback; one that raises must not starve the others."""
    for callback in callbacks:
        try:
            callback(present)
        except Exception:
            log.exception("vehicle callback %r failed", callback)


class LaneSignals(ABC):
    """The lane's lights, buzzer and vehicle sensor. Safe state: every output off."""

    name: str

    @abstractmethod
    def show(self, state: str) -> None:
        """Set the light: "ready" (green), "limited" (green, amber blinking: prints unavailable,
        lockers work), "busy" (amber), "fault" (red) or "off"."""

    @abstractmethod
    def beep(self, pattern: str) -> None:
        """Sound "ok" (one short), "error" (three short), "alarm" (until ``silence()``) or "key".

        Returns at once. While an alarm sounds, other patterns are dropped: the alarm matters more.
        """

    @abstractmethod
    def silence(self) -> None:
        """Stop any beeping, the alarm included."""

    @abstractmethod
    def vehicle_present(self) -> bool | None:
        """The debounced vehicle sensor: True a vehicle is there, None when no sensor is fitted."""

    @abstractmethod
    def on_vehicle(self, callback: Callable[[bool], None]) -> None:
        """Call ``callback(present)`` on every debounced arrival (True) and departure (False).

        Called from a driver thread; a callback that raises is logged and the others still run.
        """

    @abstractmethod
    def status(self) -> DeviceStatus:
        """Kind "signals"; ``info`` has "light", "vehicle_present", "alarm" and "fitted"."""

    @abstractmethod
    def close(self) -> None:
        """Every output off, pins released; later calls do nothing. Idempotent."""
