"""GpioSignals against gpiozero's MockFactory: lamp and buzzer pins, the vehicle input's debounce."""

from __future__ import annotations

import threading
import time

import pytest
from gpiozero.exc import BadPinFactory
from gpiozero.pins.mock import MockFactory, MockPin

from hardware.errors import DeviceError, DeviceOffline
from hardware.signals.gpio_signals import GpioSignals
from hardware.signals.interface import BEEP_PATTERNS, BeepPattern
from hardware.status import DeviceState
from tests.hardware.signals.helpers import rises
from tests.rigs.wait import wait_for

GREEN, AMBER, RED, BUZZER, VEHICLE = 17, 27, 22, 23, 24
OUTPUTS = (GREEN, AMBER, RED, BUZZER)
FAST_ALARM = {"alarm": BeepPattern(0.03, 0.03, None)}
# The debounce tests chatter with 10 ms pauses; a bounce time far above any pause a busy
# machine stretches them to keeps a chatter a chatter.
DEBOUNCE_S = 0.3


class HeldPin(MockPin):
    """A MockPin whose first switch-on waits (up to 30 s) until ``release`` is set.

    While it is held the pattern cannot have finished, so a ``beep`` that returns meanwhile
    provably did not block for the pattern; no stopwatch needed.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.held = threading.Event()
        self.release = threading.Event()

    def _change_state(self, value):
        if value and not self.release.is_set():
            self.held.set()
            self.release.wait(30)
        return super()._change_state(value)


@pytest.fixture
def factory():
    return MockFactory()


def make_signals(factory, vehicle_bounce_s: float = 0.05) -> GpioSignals:
    return GpioSignals(
        green_pin=GREEN,
        amber_pin=AMBER,
        red_pin=RED,
        buzzer_pin=BUZZER,
        vehicle_pin=VEHICLE,
        vehicle_bounce_s=vehicle_bounce_s,
        patterns=FAST_ALARM,
        pin_factory=factory,
    )


@pytest.fixture
def signals(factory):
    signals = make_signals(factory)
    yield signals
    signals.close()


@pytest.fixture
def slow_settling(factory):
    """Signals whose vehicle input needs the level to hold DEBOUNCE_S."""
    signals = make_signals(factory, vehicle_bounce_s=DEBOUNCE_S)
    yield signals
    signals.close()


def levels(factory, pins=OUTPUTS) -> list[bool]:
    return [factory.pin(n).state for n in pins]


def test_every_output_is_off_after_construction(signals, factory):
    for n in OUTPUTS:
        pin = factory.pin(n)
        assert pin.function == "output"
        assert [entry.state for entry in pin.states] == [False]
    assert signals.status().info["light"] == "off"


@pytest.mark.parametrize(("state", "lit"), [("ready", GREEN), ("busy", AMBER), ("fault", RED), ("off", None)])
def test_show_lights_exactly_its_lamp(signals, factory, state, lit):
    signals.show(state)
    assert levels(factory, (GREEN, AMBER, RED)) == [n == lit for n in (GREEN, AMBER, RED)]
    for n in (GREEN, AMBER, RED):
        if n != lit:
            assert len(factory.pin(n).states) == 1  # never even flickered
    assert signals.status().info["light"] == state


def test_changing_state_switches_the_old_lamp_off(signals, factory):
    signals.show("ready")
    signals.show("busy")
    signals.show("fault")
    assert levels(factory, (GREEN, AMBER, RED)) == [False, False, True]
    signals.show("off")
    assert levels(factory, (GREEN, AMBER, RED)) == [False, False, False]


def test_unknown_state_or_pattern_is_a_caller_bug(signals, factory):
    with pytest.raises(ValueError):
        signals.show("green")
    with pytest.raises(ValueError):
        signals.beep("siren")
    assert levels(factory) == [False] * 4


def test_two_colour_light_busy_is_red_and_fault_blinks_red(factory):
    signals = GpioSignals(green_pin=GREEN, red_pin=RED, pin_factory=factory)
    try:
        signals.show("busy")
        assert levels(factory, (GREEN, RED)) == [False, True]
        signals.show("fault")
        red = factory.pin(RED)
        wait_for(lambda: rises(red, level=False) >= 2, what="the red lamp to blink")
        assert factory.pin(GREEN).state is False
        signals.show("ready")
        assert levels(factory, (GREEN, RED)) == [True, False]
        assert signals.status().info["fitted"] == ["green", "red"]
    finally:
        signals.close()


def test_error_beep_toggles_the_buzzer_three_times_without_blocking(factory):
    buzzer = factory.pin(BUZZER, pin_class=HeldPin)
    signals = make_signals(factory)
    try:
        signals.beep("error")  # returns while the first beep is held back: it runs in the background
        assert len(buzzer.states) == 1
        wait_for(buzzer.held.is_set, what="the background pattern to reach the buzzer")
        buzzer.release.set()
        pattern = BEEP_PATTERNS["error"]
        wait_for(lambda: len(buzzer.states) == 7, what="three beeps")
        # "nothing more comes": a whole beep period; a busy machine only shortens it in effect
        time.sleep(pattern.on_s + pattern.off_s)
    finally:
        buzzer.release.set()
        signals.close()
    assert [entry.state for entry in buzzer.states] == [False, True, False, True, False, True, False]
    on_times = [entry.timestamp for entry in buzzer.states[2::2]]
    assert all(pattern.on_s - 0.01 <= t <= pattern.on_s + 0.1 for t in on_times)


@pytest.mark.parametrize(("pattern", "count"), [("ok", 1), ("key", 1)])
def test_short_beeps_sound_once(signals, factory, pattern, count):
    buzzer = factory.pin(BUZZER)
    signals.beep(pattern)
    wait_for(lambda: rises(buzzer) == count and buzzer.state is False, what=f"{count} beep(s), buzzer off")
    time.sleep(0.2)  # "nothing more comes"; a busy machine only shortens the window in effect
    assert rises(buzzer) == count


def test_alarm_repeats_until_silenced_and_outranks_other_beeps(signals, factory):
    buzzer = factory.pin(BUZZER)
    signals.beep("alarm")
    wait_for(lambda: rises(buzzer) >= 3)
    assert signals.status().info["alarm"] is True
    signals.beep("ok")  # dropped: the alarm keeps going
    before = rises(buzzer)
    wait_for(lambda: rises(buzzer) >= before + 2)
    signals.silence()
    assert buzzer.state is False
    silenced_at = rises(buzzer)
    # silence() stops the blink thread before it returns, so nothing may come in this window
    # (five alarm periods); a busy machine only shortens it in effect
    time.sleep(0.3)
    assert rises(buzzer) == silenced_at
    assert signals.status().info["alarm"] is False
    signals.beep("ok")  # after silence() other beeps sound again
    wait_for(lambda: rises(buzzer) == silenced_at + 1)


def test_vehicle_arrival_and_departure_are_debounced(slow_settling, factory):
    signals = slow_settling
    pin = factory.pin(VEHICLE)
    seen: list[bool] = []
    threads: list[str] = []

    def callback(present: bool) -> None:
        seen.append(present)
        threads.append(threading.current_thread().name)

    signals.on_vehicle(callback)
    assert signals.vehicle_present() is False  # pulled up: no vehicle
    # a car rolling onto the loop: the output chatters first (10 ms apart: the test's input,
    # far below DEBOUNCE_S however a busy machine stretches it)
    for _ in range(3):
        pin.drive_low()
        time.sleep(0.01)
        pin.drive_high()
        time.sleep(0.01)
    pin.drive_low()
    assert seen == []  # nothing before the level has held for the bounce time
    wait_for(lambda: seen == [True])
    assert signals.vehicle_present() is True
    assert threads[0] != threading.current_thread().name  # from a driver thread
    pin.drive_high()
    wait_for(lambda: seen == [True, False])
    assert signals.vehicle_present() is False
    assert signals.status().info["vehicle_present"] is False


def test_a_glitch_shorter_than_the_bounce_time_is_ignored(slow_settling, factory):
    signals = slow_settling
    pin = factory.pin(VEHICLE)
    seen: list[bool] = []
    signals.on_vehicle(seen.append)
    pin.drive_low()
    time.sleep(0.01)  # a 10 ms glitch: the test's input, far below DEBOUNCE_S
    pin.drive_high()
    # the settle timer of the last edge fires in this window and must report nothing; a busy
    # machine may fire it after the check, which only weakens the test
    time.sleep(2 * DEBOUNCE_S)
    assert seen == []
    assert signals.vehicle_present() is False


def test_a_failing_callback_does_not_starve_the_others(signals, factory):
    seen: list[bool] = []

    def broken(present: bool) -> None:
        raise RuntimeError("consumer bug")

    signals.on_vehicle(broken)
    signals.on_vehicle(seen.append)
    factory.pin(VEHICLE).drive_low()
    wait_for(lambda: seen == [True])


def test_vehicle_active_high_sensor(factory):
    signals = GpioSignals(
        vehicle_pin=VEHICLE, vehicle_active_low=False, vehicle_bounce_s=0.02, pin_factory=factory
    )
    try:
        seen: list[bool] = []
        signals.on_vehicle(seen.append)
        assert signals.vehicle_present() is False  # pulled down: no vehicle
        factory.pin(VEHICLE).drive_high()
        wait_for(lambda: seen == [True])
    finally:
        signals.close()


def test_without_a_sensor_vehicle_present_is_none(factory):
    signals = GpioSignals(green_pin=GREEN, pin_factory=factory)
    try:
        assert signals.vehicle_present() is None
        signals.beep("ok")  # no buzzer fitted: nothing to do, nothing raised
        signals.show("busy")  # no amber and no red: stays dark
        assert factory.pin(GREEN).state is False
    finally:
        signals.close()


def test_close_leaves_every_output_off_and_releases_the_pins(signals, factory):
    seen: list[bool] = []
    signals.on_vehicle(seen.append)
    signals.show("fault")
    signals.beep("alarm")
    wait_for(lambda: factory.pin(BUZZER).state is True)
    factory.pin(VEHICLE).drive_low()  # a settle pending while we close
    signals.close()
    assert levels(factory) == [False] * 4
    # past the bounce time and several alarm periods; a busy machine only shortens the window
    time.sleep(0.2)
    assert levels(factory) == [False] * 4  # no blink thread switched anything back on
    assert seen == []
    assert signals.status().state == DeviceState.OFFLINE
    signals.show("ready")  # after close: ignored, not raised
    signals.beep("ok")
    signals.close()  # idempotent
    GpioSignals(
        green_pin=GREEN,
        amber_pin=AMBER,
        red_pin=RED,
        buzzer_pin=BUZZER,
        vehicle_pin=VEHICLE,
        pin_factory=factory,
    ).close()


def test_active_low_outputs_idle_high_and_close_high(factory):
    signals = GpioSignals(
        green_pin=GREEN, red_pin=RED, buzzer_pin=BUZZER, active_high=False, pin_factory=factory
    )
    try:
        assert levels(factory, (GREEN, RED, BUZZER)) == [True, True, True]
        signals.show("ready")
        assert levels(factory, (GREEN, RED)) == [False, True]
    finally:
        signals.close()
    assert levels(factory, (GREEN, RED, BUZZER)) == [True, True, True]


class FlakyPin(MockPin):
    """A MockPin whose writes of the levels in ``fail_writes`` raise, like a GPIO chip gone bad."""

    def __init__(self, factory, info):
        super().__init__(factory, info)
        self.fail_writes: set[bool] = set()

    def _set_state(self, value):
        if bool(value) in self.fail_writes:
            raise OSError("GPIO write failed")
        super()._set_state(value)


def test_a_failed_output_goes_dark_and_reports_error_without_raising():
    factory = MockFactory(pin_class=FlakyPin)
    signals = GpioSignals(green_pin=GREEN, amber_pin=AMBER, red_pin=RED, pin_factory=factory)
    try:
        signals.show("busy")
        factory.pin(RED).fail_writes = {True}
        signals.show("fault")  # must not raise: the lane keeps serving
        assert levels(factory, (GREEN, AMBER, RED)) == [False, False, False]
        status = signals.status()
        assert status.state == DeviceState.ERROR
        assert status.reasons == ["output-failed"]
        assert status.info["light"] == "off"
        factory.pin(RED).fail_writes = set()
        signals.show("fault")  # a good write clears the fault
        assert signals.status().state == DeviceState.OK
        assert factory.pin(RED).state is True
    finally:
        signals.close()


class NoGpioFactory(MockFactory):
    def pin(self, name, pin_class=None, **kwargs):
        raise BadPinFactory("Unable to load any default pin factory!")


def test_pin_factory_failure_is_device_offline():
    with pytest.raises(DeviceOffline, match="cannot open GPIO pins"):
        GpioSignals(green_pin=GREEN, pin_factory=NoGpioFactory())


def test_bad_or_reused_pin_is_device_error_and_releases_the_others(factory):
    with pytest.raises(DeviceError) as info:
        GpioSignals(green_pin=GREEN, red_pin="GPIO99", pin_factory=factory)
    assert info.value.reason == "bad-pin"
    with pytest.raises(DeviceError) as info:
        GpioSignals(green_pin=GREEN, buzzer_pin=GREEN, pin_factory=factory)
    assert info.value.reason == "bad-pin"
    GpioSignals(green_pin=GREEN, red_pin=RED, pin_factory=factory).close()
