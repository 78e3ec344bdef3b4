"""``ambil lane safe-off`` (controller/ops/safe_off.py): every relay off from the config alone;
a bank that cannot be opened is counted and does not stop the others."""

from __future__ import annotations

import pytest
from gpiozero import Device
from gpiozero.pins.mock import MockFactory

from controller.ops.safe_off import all_relays_off
from tests.conftest import lane_config


@pytest.fixture
def mock_pins():
    previous = Device.pin_factory
    Device.pin_factory = MockFactory()
    try:
        yield Device.pin_factory
    finally:
        Device.pin_factory.reset()
        Device.pin_factory = previous


def test_every_relay_of_every_bank_is_switched_off(tmp_path, mock_pins):
    config = lane_config(
        tmp_path,
        lockers=[
            {"type": "gpio", "id": "G", "relay_pins": [17, 27]},
            {"type": "sim", "id": "S", "doors": 2},
        ],
    )
    for pin in (17, 27):  # left energised by a lane that was killed mid-pulse
        mock_pins.pin(pin).function = "output"
        mock_pins.pin(pin).state = 1
    assert all_relays_off(config) == 0
    assert [mock_pins.pin(pin).state for pin in (17, 27)] == [0, 0]


def test_a_bank_that_cannot_be_opened_is_counted_and_the_others_still_switched_off(tmp_path, mock_pins):
    mock_pins.pin(22).function = "output"
    mock_pins.pin(22).state = 1
    config = lane_config(
        tmp_path,
        lockers=[
            {"type": "gpio", "id": "BAD", "relay_pins": ["NO_SUCH_PIN"]},
            {"type": "gpio", "id": "G", "relay_pins": [22]},
        ],
    )
    assert all_relays_off(config) == 1
    assert mock_pins.pin(22).state == 0


def test_an_office_has_no_relays(tmp_path):
    config = lane_config(tmp_path)
    config.role = "office"
    assert all_relays_off(config) == 0
