"""The lane light while prints are unavailable but lockers work (issue 15): a pattern of its own,
on real gpiozero pins (MockFactory), seen from the lane's screen down to the lamps."""

from __future__ import annotations

from gpiozero.pins.mock import MockFactory

from controller.lane.outputs import LaneOutputs, light_for
from controller.lane.screen import LaneState, ScreenBus, make_view
from hardware.signals.gpio_signals import GpioSignals
from tests.hardware.signals.helpers import rises
from tests.rigs.wait import wait_for

GREEN, AMBER, RED = 17, 27, 22


def test_the_welcome_without_prints_has_its_own_light_and_every_other_state_keeps_its_own():
    assert light_for(make_view(LaneState.READY, prints=False)) == "limited"
    assert light_for(make_view(LaneState.READY)) == "ready"
    assert light_for(make_view(LaneState.READY, prints=True)) == "ready"
    # a driver at a door or a refusal sees the state's own light, whatever the printer does
    assert light_for(make_view(LaneState.DOOR_OPEN, prints=False)) == "ready"
    assert light_for(make_view(LaneState.PROBLEM, reason="print.unavailable")) == "fault"


def test_three_colours_limited_is_steady_green_with_amber_blinking():
    factory = MockFactory()
    signals = GpioSignals(green_pin=GREEN, amber_pin=AMBER, red_pin=RED, pin_factory=factory)
    try:
        signals.show("limited")
        amber = factory.pin(AMBER)
        wait_for(lambda: rises(amber, level=False) >= 2, what="the amber lamp to blink")
        green = factory.pin(GREEN)
        assert green.state is True and rises(green, level=False) == 0  # steady: come in
        assert factory.pin(RED).state is False and len(factory.pin(RED).states) == 1
        assert signals.status().info["light"] == "limited"
        signals.show("ready")  # prints are back: the blinking stops
        assert (green.state, amber.state) == (True, False)
        settled = len(amber.states)
        signals.show("ready")
        assert len(amber.states) == settled
    finally:
        signals.close()


def test_two_colours_limited_blinks_the_green():
    factory = MockFactory()
    signals = GpioSignals(green_pin=GREEN, red_pin=RED, pin_factory=factory)
    try:
        signals.show("limited")
        green = factory.pin(GREEN)
        wait_for(lambda: rises(green, level=False) >= 2, what="the green lamp to blink")
        assert factory.pin(RED).state is False
        signals.show("ready")
        assert green.state is True
    finally:
        signals.close()


def test_the_lane_outputs_follow_the_screen_into_and_out_of_limited():
    factory = MockFactory()
    signals = GpioSignals(green_pin=GREEN, amber_pin=AMBER, red_pin=RED, pin_factory=factory)
    screen = ScreenBus()
    outputs = LaneOutputs(screen, signals, {})
    outputs.start()
    try:
        screen.publish(make_view(LaneState.READY, prints=False))
        assert signals.status().info["light"] == "limited"
        wait_for(lambda: rises(factory.pin(AMBER), level=False) >= 2, what="amber blinking")
        screen.publish(make_view(LaneState.READY))
        assert signals.status().info["light"] == "ready"
        assert [factory.pin(n).state for n in (GREEN, AMBER, RED)] == [True, False, False]
    finally:
        outputs.stop()
