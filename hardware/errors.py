"""Typed errors raised by device drivers.

Each carries a short machine-readable ``reason`` so the lane can map it to a lane-screen message
and a device state without parsing text.
"""

from __future__ import annotations


class DeviceError(Exception):
    """A device could not do what was asked."""

    reason = "device-error"

    def __init__(self, message: str, reason: str | None = None):
        super().__init__(message)
        if reason:
            self.reason = reason


class DeviceOffline(DeviceError):
    """The device cannot be reached (unplugged, server down, port missing)."""

    reason = "offline"


class PrinterError(DeviceError):
    reason = "printer-error"


class LockerError(DeviceError):
    reason = "locker-error"


class ScannerError(DeviceError):
    reason = "scanner-error"
