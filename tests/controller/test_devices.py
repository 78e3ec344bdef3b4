"""The device builders hand the config's values to the drivers (one definition per limit)."""

from __future__ import annotations

import pytest
from gpiozero.pins.mock import MockFactory

from controller.config import parse_config
from controller.devices import build_lockers
from hardware.status import DeviceState
from tests.rigs.lockboard_pty import lockboard  # noqa: F401  (the rig fixture)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def lane_config(tmp_path, bank: dict, **lane):
    return parse_config(
        {"state_dir": str(tmp_path), "lane": {"lockers": [bank], "door_left_open_seconds": 45, **lane}}
    )


@pytest.fixture
def banks():
    made = []
    yield made
    for built in made:
        for bank in built.values():
            bank.close()


def test_gpio_bank_warns_of_a_door_left_open_after_the_configured_45_s(tmp_path, banks):
    # the driver's own default was 120 s while the config said 60: the config's value must win
    config = lane_config(tmp_path, {"type": "gpio", "id": "G", "relay_pins": [17], "sensor_pins": [5]})
    factory, clock = MockFactory(), FakeClock()
    banks.append(built := build_lockers(config, pin_factory=factory, clock=clock))
    bank = built["G"]
    factory.pin(5).drive_high()  # pull-up, reed switch open: the door opens
    clock.now += 44.9
    assert bank.status().state == DeviceState.OK
    clock.now += 0.1
    status = bank.status()
    assert status.state == DeviceState.WARNING
    assert status.reasons == ["door-left-open"]
    factory.pin(5).drive_low()  # shut
    assert bank.status().state == DeviceState.OK


def test_serial_bank_warns_of_a_door_left_open_after_the_configured_45_s(tmp_path, banks, lockboard):  # noqa: F811
    sim = lockboard.plug({0: 4})
    bank_cfg = {"type": "serial", "id": "K", "port": lockboard.port, "doors_per_board": 4}
    config = lane_config(tmp_path, bank_cfg)
    clock = FakeClock()
    banks.append(built := build_lockers(config, clock=clock))
    bank = built["K"]
    sim.open_door(0, 1)
    bank.refresh()
    clock.now += 44.9
    assert bank.status().state == DeviceState.OK
    clock.now += 0.1
    status = bank.status()
    assert status.state == DeviceState.WARNING
    assert "door-left-open" in status.reasons


def test_the_config_default_is_the_drivers_default():
    from hardware.locker.door_watch import DoorWatch
    from hardware.locker.gpio_locker import GpioLockerBank
    from hardware.locker.interface import DOOR_LEFT_OPEN_SECONDS
    from hardware.locker.serial_board import SerialLockBoardBank

    assert parse_config({}).lane.door_left_open_seconds == DOOR_LEFT_OPEN_SECONDS
    for built in (GpioLockerBank, SerialLockBoardBank, DoorWatch):
        defaults = built.__init__.__kwdefaults__
        assert DOOR_LEFT_OPEN_SECONDS in (defaults.get("open_warn_after"), defaults.get("open_too_long_s"))
