"""Helpers for the signals tests: reading MockPin histories (waiting: tests/rigs/wait.py)."""

from __future__ import annotations

from gpiozero.pins.mock import MockPin


def rises(pin: MockPin, level: bool = True) -> int:
    """How many times the pin went to ``level`` since construction (or ``clear_states``)."""
    states = [entry.state for entry in pin.states]
    return sum(1 for before, after in zip(states, states[1:], strict=False) if after == level != before)
