"""Rules every locker driver applies before it energises anything: door numbers and pulse length.

Kept apart from the drivers so the GPIO bank, the serial lock board and the simulator refuse the
same requests in the same words.
"""

from __future__ import annotations

from hardware.errors import LockerError


def check_door(door: object, doors: int, bank: str) -> int:
    """Return ``door`` if it names a door of a bank with ``doors`` doors (numbered from 1).

    Raises ``LockerError`` (reason ``no-such-door``) otherwise; ``bool`` is refused although it is
    an ``int``, because ``True`` meaning door 1 is always a bug.
    """
    if isinstance(door, bool) or not isinstance(door, int) or not 1 <= door <= doors:
        raise LockerError(f"locker {bank!r} has no door {door!r} (doors 1..{doors})", reason="no-such-door")
    return door


def clamp_pulse_ms(ms: object, max_pulse_ms: int) -> int:
    """Clamp a requested pulse length into ``[1, max_pulse_ms]`` milliseconds.

    A lock coil held on too long overheats, and a zero or negative pulse is a caller bug that
    should still do something bounded rather than nothing silently, so both ends are clamped.
    """
    try:
        value = int(ms)  # type: ignore[call-overload]
    except (TypeError, ValueError) as exc:
        raise LockerError(f"pulse length {ms!r} is not a number of milliseconds", reason="bad-pulse") from exc
    return max(1, min(value, max_pulse_ms))


def check_max_pulse_ms(max_pulse_ms: int) -> int:
    """Validate a driver's ``max_pulse_ms`` option (a positive whole number of milliseconds)."""
    if isinstance(max_pulse_ms, bool) or not isinstance(max_pulse_ms, int) or max_pulse_ms < 1:
        raise ValueError(f"max_pulse_ms must be a positive integer, got {max_pulse_ms!r}")
    return max_pulse_ms
