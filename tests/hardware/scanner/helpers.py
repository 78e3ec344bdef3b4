"""Shared bits for the scanner tests: pickup codes, waiting, rig skips (``rig_unavailable``)."""

from __future__ import annotations

import base64
import random
import time
from collections.abc import Callable

from tests.conftest import rig_unavailable


def pickup_code(seed: int = 0) -> str:
    """A pickup code as the office makes them (AMB1 + base32 of 16 bytes), from a fixed seed."""
    raw = random.Random(seed).randbytes(16)
    return "AMB1" + base64.b32encode(raw).decode("ascii").rstrip("=")


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0, interval: float = 0.02) -> bool:
    """Poll ``predicate`` until it is true or ``timeout`` passes; return its last value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


__all__ = ["pickup_code", "rig_unavailable", "wait_for"]
