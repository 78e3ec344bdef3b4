"""hardware's probes, as ``ambil doctor`` asks them (issue 12: the doctor holds no device library)."""

from __future__ import annotations

import pytest
from gpiozero import Device
from gpiozero.pins.mock import MockFactory

from controller.ops.doctor.devices import camera_finding, gpio_finding, serial_finding
from controller.ops.doctor.run import FAIL, OK
from hardware.gpio_probe import pin_factory_name
from hardware.scanner.probe import camera_frame_size
from hardware.serial_probe import open_and_close


def test_a_camera_source_that_does_not_open(tmp_path):
    assert camera_frame_size(str(tmp_path / "no-such-stream.mjpg"), timeout_ms=500) == (False, None)
    finding = camera_finding(str(tmp_path / "no-such-stream.mjpg"))
    assert finding.status == FAIL and "does not open" in finding.message


def test_a_serial_port_that_cannot_be_opened(tmp_path):
    not_a_tty = tmp_path / "ttyUSB9"
    not_a_tty.write_text("")
    with pytest.raises(Exception):  # noqa: B017 - whatever pyserial raises for a plain file
        open_and_close(str(not_a_tty), 9600)
    finding = serial_finding("scanner", str(not_a_tty), 9600, "lane.scanner.port", "the scanner")
    assert finding.status == FAIL and "cannot be opened" in finding.message


def test_the_gpio_probe_names_the_pin_factory(monkeypatch):
    previous = Device.pin_factory
    Device.pin_factory = MockFactory()
    try:
        assert pin_factory_name() == "MockFactory"
        monkeypatch.setattr("glob.glob", lambda pattern: ["/dev/null"])  # a gpiochip we may open
        finding = gpio_finding(["lockers"])
        assert finding.status == OK and finding.message == "MockFactory drives lockers"
    finally:
        Device.pin_factory.reset()
        Device.pin_factory = previous
