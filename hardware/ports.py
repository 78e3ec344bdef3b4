"""Probes of the host's device ports for ``ambil doctor``: serial ports and the GPIO pin library
(several kinds of device share them: scanners and lock boards on serial, lockers and signals on
GPIO)."""

from __future__ import annotations

import glob
import os


def open_serial_port(port: str, baudrate: int) -> None:
    """Open and close ``port``; raises ``PermissionError`` (no access) or what pyserial raised."""
    import serial

    with serial.Serial(port, baudrate=baudrate, timeout=0):
        pass


def gpio_chips() -> tuple[list[str], bool]:
    """The /dev/gpiochip* devices, and whether this process may read and write all of them."""
    chips = sorted(glob.glob("/dev/gpiochip*"))
    return chips, bool(chips) and all(os.access(chip, os.R_OK | os.W_OK) for chip in chips)


def gpio_pin_factory() -> str:
    """The name of the pin library gpiozero would drive the pins with; raises when there is none."""
    import warnings

    from gpiozero import Device

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        factory = Device.pin_factory or Device._default_pin_factory()
    return type(factory).__name__
