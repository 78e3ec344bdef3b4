"""Helpers for the signals tests: waiting on threads and reading MockPin histories."""

from __future__ import annotations

import time
from collections.abc import Callable

from gpiozero.pins.mock import MockPin


def wait_for(predicate: Callable[[], bool], timeout: float = 2.0) -> bool:
    """Poll ``predicate`` until it holds or ``timeout`` s pass; its final value."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            return predicate()
        time.sleep(0.005)
    return True


def rises(pin: MockPin, level: bool = True) -> int:
    """How many times the pin went to ``level`` since construction (or ``clear_states``)."""
    states = [entry.state for entry in pin.states]
    return sum(1 for before, after in zip(states, states[1:], strict=False) if after == level != before)
