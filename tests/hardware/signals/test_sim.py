"""SimSignals: what only the simulator does (scripting and inspection)."""

from __future__ import annotations

import pytest

from hardware.signals.sim import SimSignals
from hardware.status import DeviceState


def test_beeps_are_recorded_in_order_and_the_alarm_drops_others():
    signals = SimSignals()
    signals.beep("key")
    signals.beep("ok")
    signals.beep("alarm")
    signals.beep("error")
    signals.silence()
    signals.beep("error")
    assert signals.beeps == ["key", "ok", "alarm", "error"]


def test_two_colour_light_matches_the_gpio_plan():
    signals = SimSignals(lights=("green", "red"))
    signals.show("busy")
    assert signals.lamps == {"red": "steady"}
    signals.show("fault")
    assert signals.lamps == {"red": "blink"}
    assert signals.status().info["fitted"] == ["green", "red", "buzzer", "vehicle"]


def test_without_a_sensor_there_is_no_vehicle_to_script():
    signals = SimSignals(vehicle_sensor=False)
    assert signals.vehicle_present() is None
    with pytest.raises(RuntimeError):
        signals.set_vehicle(True)


def test_a_fault_goes_dark_and_is_reported_until_mended():
    signals = SimSignals()
    signals.show("ready")
    signals.beep("alarm")
    signals.set_fault("lamp driver burnt out")
    assert (signals.light, signals.lamps, signals.alarming) == ("off", {}, False)
    signals.show("ready")  # ignored: the outputs are broken, and nothing raises
    assert signals.lamps == {}
    status = signals.status()
    assert status.state == DeviceState.ERROR
    assert status.reasons == ["output-failed"]
    assert "burnt out" in status.detail
    signals.set_fault(None)
    signals.show("ready")
    assert signals.lamps == {"green": "steady"}
    assert signals.status().state == DeviceState.OK


def test_vehicle_callback_errors_do_not_starve_the_others():
    signals = SimSignals()
    seen: list[bool] = []
    signals.on_vehicle(lambda present: 1 / 0)
    signals.on_vehicle(seen.append)
    signals.set_vehicle(True)
    assert seen == [True]


def test_unknown_lamp_colour_is_refused():
    with pytest.raises(ValueError):
        SimSignals(lights=("green", "blue"))
