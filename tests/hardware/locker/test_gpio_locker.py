"""GpioLockerBank against gpiozero's MockFactory: pin states and pulse lengths are read back."""

from __future__ import annotations

import threading
import time

import pytest
from gpiozero.exc import BadPinFactory
from gpiozero.pins.mock import MockFactory, MockPin

from hardware.errors import DeviceOffline, LockerError
from hardware.locker import gpio_locker
from hardware.locker.gpio_locker import GpioLockerBank
from hardware.status import DeviceState
from tests.rigs.wait import wait_for

RELAYS = [17, 27, 22]
SENSORS = [5, 6, 13]


def high_intervals(pin: MockPin, base: float = 0.0, level: bool = True) -> list[tuple[float, float]]:
    """(start, end) of every stretch the pin spent at ``level``, from MockPin's state history.

    ``states`` holds (seconds since the previous change, new state); ``base`` is the time of the
    first entry (the construction or the last ``clear_states``). An unfinished stretch ends at inf.
    """
    intervals: list[tuple[float, float]] = []
    now = base
    start = None
    for entry in pin.states:
        now += entry.timestamp
        if entry.state == level and start is None:
            start = now
        elif entry.state != level and start is not None:
            intervals.append((start, now))
            start = None
    if start is not None:
        intervals.append((start, float("inf")))
    return intervals


@pytest.fixture
def factory():
    return MockFactory()


@pytest.fixture
def bank(factory):
    bank = GpioLockerBank(name="A", relay_pins=RELAYS, max_pulse_ms=200, pin_factory=factory)
    yield bank
    bank.close()


def relay_pins(factory):
    return [factory.pin(n) for n in RELAYS]


def test_all_relays_off_after_construction(bank, factory):
    for pin in relay_pins(factory):
        assert pin.function == "output"
        assert pin.state is False
        assert all(entry.state is False for entry in pin.states)


def test_pulse_moves_only_its_own_pin_for_the_requested_length(bank, factory):
    pins = relay_pins(factory)
    assert bank.pulse(2, 60) == 60
    assert [len(p.states) for p in pins] == [1, 3, 1]  # door 2: off, on, off; others never moved
    (start, end) = high_intervals(pins[1])[0]
    assert 0.058 <= end - start <= 0.150
    assert pins[1].state is False


def test_pulse_longer_than_max_is_clamped(bank, factory):
    assert bank.pulse(1, 5000) == 200
    (start, end) = high_intervals(factory.pin(17))[0]
    assert 0.198 <= end - start <= 0.300


def test_pulse_shorter_than_one_ms_is_raised_to_one(bank):
    assert bank.pulse(1, 0) == 1
    assert bank.pulse(1, -50) == 1


@pytest.mark.parametrize("door", [0, 4, -1, True, "1", None])
def test_unknown_door_raises_and_moves_no_pin(bank, factory, door):
    with pytest.raises(LockerError) as info:
        bank.pulse(door, 50)
    assert info.value.reason == "no-such-door"
    assert all(len(p.states) == 1 for p in relay_pins(factory))


def test_active_low_board_idles_high_and_pulses_low(factory):
    bank = GpioLockerBank(
        name="low", relay_pins=RELAYS, relay_active_high=False, max_pulse_ms=500, pin_factory=factory
    )
    try:
        pins = relay_pins(factory)
        assert [p.state for p in pins] == [True, True, True]
        for pin in pins:
            pin.clear_states()
        bank.pulse(3, 40)
        assert [len(p.states) for p in pins] == [1, 1, 3]
        (start, end) = high_intervals(pins[2], level=False)[0]
        assert 0.038 <= end - start <= 0.130
        assert pins[2].state is True
    finally:
        bank.close()


def test_exception_during_pulse_leaves_relay_off(bank, factory, monkeypatch):
    def broken_sleep(seconds):
        raise RuntimeError("simulated fault mid-pulse")

    monkeypatch.setattr(gpio_locker, "sleep", broken_sleep)
    with pytest.raises(LockerError) as info:
        bank.pulse(2, 100)
    assert info.value.reason == "pulse-interrupted"
    assert isinstance(info.value.__cause__, RuntimeError)
    pin = factory.pin(27)
    assert [entry.state for entry in pin.states] == [False, True, False]
    assert all(p.state is False for p in relay_pins(factory))
    status = bank.status()
    assert status.state == DeviceState.ERROR
    assert status.reasons == ["pulse-interrupted"]

    monkeypatch.undo()
    bank.pulse(2, 10)  # a good pulse clears the fault
    assert bank.status().state == DeviceState.OK


class FlakyPin(MockPin):
    """A MockPin whose writes of the levels in ``fail_writes`` raise, like a GPIO chip gone bad."""

    def __init__(self, factory, info):
        super().__init__(factory, info)
        self.fail_writes: set[bool] = set()

    def _set_state(self, value):
        if bool(value) in self.fail_writes:
            raise OSError("GPIO write failed")
        super()._set_state(value)


def test_relay_that_cannot_switch_on_reports_relay_failed():
    factory = MockFactory(pin_class=FlakyPin)
    bank = GpioLockerBank(name="A", relay_pins=RELAYS, pin_factory=factory)
    try:
        factory.pin(22).fail_writes = {True}
        with pytest.raises(LockerError) as info:
            bank.pulse(3, 20)
        assert info.value.reason == "relay-failed"
        assert all(len(p.states) == 1 and p.state is False for p in relay_pins(factory))
    finally:
        bank.close()


def test_relay_that_cannot_switch_off_blocks_further_pulses():
    factory = MockFactory(pin_class=FlakyPin)
    bank = GpioLockerBank(name="A", relay_pins=RELAYS, pin_factory=factory)
    try:
        factory.pin(17).fail_writes = {False}
        with pytest.raises(LockerError) as info:
            bank.pulse(1, 20)
        assert info.value.reason == "relay-stuck-on"
        assert bank.status().state == DeviceState.ERROR
        assert bank.status().reasons == ["relay-stuck-on"]
        with pytest.raises(LockerError) as info:
            bank.pulse(2, 20)  # refused: never energise another door while one may be stuck on
        assert info.value.reason == "relay-stuck-on"
        assert len(factory.pin(27).states) == 1
    finally:
        factory.pin(17).fail_writes = set()
        bank.close()
    assert factory.pin(17).state is False


def test_concurrent_pulses_never_overlap(bank, factory):
    pins = relay_pins(factory)
    bases = []
    for pin in pins:
        pin.clear_states()
        # the instant the history restarts, as MockPin took it (a clock read of our own next to
        # it could be late by however long a busy machine keeps this thread waiting)
        bases.append(pin._last_change)
    barrier = threading.Barrier(len(RELAYS))
    errors: list[BaseException] = []

    def worker(door: int) -> None:
        try:
            barrier.wait()
            for _ in range(2):
                bank.pulse(door, 30)
        except BaseException as exc:  # surfaced below; a thread's exception is otherwise lost
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(d,)) for d in (1, 2, 3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=5)
    assert not errors
    intervals = sorted(iv for pin, base in zip(pins, bases, strict=True) for iv in high_intervals(pin, base))
    assert len(intervals) == 6
    for (_, previous_end), (next_start, _) in zip(intervals, intervals[1:], strict=False):
        assert next_start >= previous_end - 0.001  # sums of float deltas: allow a rounding error


@pytest.fixture
def sensed(factory):
    bank = GpioLockerBank(
        name="S", relay_pins=RELAYS, sensor_pins=SENSORS, max_pulse_ms=200, pin_factory=factory
    )
    for n in SENSORS:
        factory.pin(n).drive_low()  # reed switches closed: every door shut
    yield bank
    bank.close()


def test_sensor_reads_door_state(sensed, factory):
    assert [sensed.door_open(d) for d in (1, 2, 3)] == [False, False, False]
    factory.pin(6).drive_high()
    assert [sensed.door_open(d) for d in (1, 2, 3)] == [False, True, False]
    assert sensed.status().info["doors"] == {1: "closed", 2: "open", 3: "closed"}
    assert sensed.status().state == DeviceState.OK


def test_wait_open_sees_the_door_open_during_the_wait(sensed, factory):
    opener = threading.Timer(0.05, factory.pin(13).drive_high)
    opener.start()
    started = time.monotonic()
    try:
        assert sensed.wait_open(3, timeout=30.0) is True
    finally:
        opener.join()
    assert time.monotonic() - started < 15.0  # returned at the edge, long before the timeout


def test_wait_open_times_out_when_the_door_stays_shut(sensed):
    started = time.monotonic()
    assert sensed.wait_open(1, timeout=0.1) is False
    assert time.monotonic() - started >= 0.09


def test_sensor_open_when_low(factory):
    bank = GpioLockerBank(
        name="L", relay_pins=[17], sensor_pins=[5], sensor_open_when="low", pin_factory=factory
    )
    try:
        factory.pin(5).drive_high()
        assert bank.door_open(1) is False
        factory.pin(5).drive_low()
        assert bank.door_open(1) is True
        assert bank.wait_open(1, 0.01) is True
    finally:
        bank.close()


def test_door_left_open_turns_status_to_warning():
    now = [0.0]
    factory = MockFactory()
    bank = GpioLockerBank(
        name="W",
        relay_pins=[17],
        sensor_pins=[5],
        open_warn_after=60.0,
        pin_factory=factory,
        clock=lambda: now[0],
    )
    try:
        factory.pin(5).drive_low()
        factory.pin(5).drive_high()
        assert bank.status().state == DeviceState.OK
        now[0] = 61.0  # a minute later (the driver's injected clock)
        status = bank.status()
        assert status.state == DeviceState.WARNING
        assert status.reasons == ["door-left-open"]
    finally:
        bank.close()


def test_doors_without_sensors_read_none(bank, factory):
    assert bank.door_open(1) is None
    assert bank.wait_open(1, timeout=5.0) is None
    assert bank.status().info["doors"] == {1: "unknown", 2: "unknown", 3: "unknown"}
    partial = GpioLockerBank(name="P", relay_pins=[23, 24], sensor_pins=[None, 25], pin_factory=factory)
    try:
        factory.pin(25).drive_low()
        assert partial.door_open(1) is None
        assert partial.door_open(2) is False
        assert partial.status().info["doors"] == {1: "unknown", 2: "closed"}
    finally:
        partial.close()


def test_close_waits_for_the_pulse_and_leaves_all_off(factory):
    bank = GpioLockerBank(name="C", relay_pins=RELAYS, sensor_pins=SENSORS, pin_factory=factory)
    pulser = threading.Thread(target=bank.pulse, args=(1, 150))
    pulser.start()
    # close() while the pulse runs; the pin's history cannot miss the start, however late we
    # look (a late look closes after the pulse, which proves less but cannot fail)
    wait_for(lambda: high_intervals(factory.pin(17)), what="the pulse to start")
    bank.close()
    pulser.join()
    (start, end) = high_intervals(factory.pin(17))[0]
    assert end - start >= 0.148  # close() did not cut the pulse short or race it
    assert all(p.state is False for p in relay_pins(factory))
    assert bank.status().state == DeviceState.OFFLINE
    with pytest.raises(DeviceOffline):
        bank.pulse(1, 10)
    bank.close()  # idempotent
    # the pins were released: a new bank can claim them
    GpioLockerBank(name="again", relay_pins=RELAYS, sensor_pins=SENSORS, pin_factory=factory).close()


class NoGpioFactory(MockFactory):
    def pin(self, name, pin_class=None, **kwargs):
        raise BadPinFactory("Unable to load any default pin factory!")


def test_pin_factory_failure_is_device_offline():
    with pytest.raises(DeviceOffline, match="cannot open GPIO pins"):
        GpioLockerBank(name="A", relay_pins=RELAYS, pin_factory=NoGpioFactory())


def test_bad_or_reused_pin_is_locker_error_and_releases_the_others(factory):
    with pytest.raises(LockerError) as info:
        GpioLockerBank(name="A", relay_pins=[17, "GPIO99"], pin_factory=factory)
    assert info.value.reason == "bad-pin"
    with pytest.raises(LockerError) as info:
        GpioLockerBank(name="A", relay_pins=[17, 27], sensor_pins=[27, 5], pin_factory=factory)
    assert info.value.reason == "bad-pin"
    GpioLockerBank(name="A", relay_pins=[17, 27], pin_factory=factory).close()


def test_option_errors_are_value_errors(factory):
    with pytest.raises(ValueError):
        GpioLockerBank(name="A", relay_pins=[], pin_factory=factory)
    with pytest.raises(ValueError):
        GpioLockerBank(name="A", relay_pins=[17], sensor_pins=[5, 6], pin_factory=factory)
    with pytest.raises(ValueError):
        GpioLockerBank(name="A", relay_pins=[17], sensor_open_when="closed", pin_factory=factory)
    with pytest.raises(ValueError):
        GpioLockerBank(name="A", relay_pins=[17], max_pulse_ms=0, pin_factory=factory)
