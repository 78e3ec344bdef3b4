"""Shared bits for the scanner tests: pickup codes as the office makes them."""

from __future__ import annotations

import base64
import random


def pickup_code(seed: int = 0) -> str:
    """A pickup code as the office makes them (AMB1 + base32 of 16 bytes), from a fixed seed."""
    raw = random.Random(seed).randbytes(16)
    return "AMB1" + base64.b32encode(raw).decode("ascii").rstrip("=")
