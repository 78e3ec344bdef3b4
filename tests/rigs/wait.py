"""Waiting in tests: poll for the state a test needs instead of sleeping and hoping it came.

``wait_for(predicate)`` polls until ``predicate()`` returns a truthy value and returns that value;
after ``timeout`` seconds it fails the test, naming ``what`` it waited for and the last value seen.
The timeout only bounds a failure: a passing test never waits for it, so it is generous (a slow or
busy machine must pass). ``wait_elapsed`` is the same wait for a test that needs the time it took.

Where a test must show that something does *not* happen, prefer waiting for a positive marker
that proves the code has moved past the point where it would have happened (a later event, a
counter, a sentinel read) and then asserting. Where only a window will do, it must be one that a
slow machine can make weaker but never red, with a comment saying so. Where a test needs time to
pass (an expiry, a lockout), give the code a clock (the office, door watches and the GPIO pin
factory take one) instead of sleeping.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

TIMEOUT = 30.0  # seconds; bounds a failure only
INTERVAL = 0.02  # seconds between two looks


def wait_for(
    predicate: Callable[[], T],
    timeout: float = TIMEOUT,
    interval: float = INTERVAL,
    what: str | Callable[[], str] = "the condition",
) -> T:
    """Poll ``predicate`` until it returns a truthy value; return that value.

    On timeout the test fails with an ``AssertionError`` naming ``what`` (a string, or a callable
    giving one, evaluated only then) and the predicate's last value. The predicate is always
    asked once more after the deadline, so a state reached just in time still counts.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            described = what() if callable(what) else what
            raise AssertionError(
                f"timed out after {timeout:g} s waiting for {described}; last value: {_short(value)}"
            )
        time.sleep(interval)


def wait_elapsed(
    predicate: Callable[[], object],
    timeout: float = TIMEOUT,
    interval: float = INTERVAL,
    what: str | Callable[[], str] = "the condition",
) -> float:
    """``wait_for``, returning the seconds until ``predicate`` held (for a test of how long it takes)."""
    started = time.monotonic()
    wait_for(predicate, timeout, interval, what)
    return time.monotonic() - started


def _short(value: object, limit: int = 500) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."
