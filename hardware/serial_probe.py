"""Probe for ``ambil doctor``: can a serial port (scanner, lock-board bus) be opened."""

from __future__ import annotations


def open_and_close(port: str, baudrate: int) -> None:
    """Open ``port`` and close it again; raises what pyserial raises (``PermissionError``...)."""
    import serial

    with serial.Serial(port, baudrate=baudrate, timeout=0):
        pass
