"""DoorWatch against the simulated bank and the GPIO bank on MockFactory.

The watch runs its real thread at a short poll; a few tests drive ``check_now`` with a hand-held
clock where exact durations matter. Tests wait for the watch's polls (``settle``), not for time:
on a busy machine the thread may poll late, but a test only looks after it has polled.
"""

from __future__ import annotations

import threading
import time

import pytest
from gpiozero.pins.mock import MockFactory

from hardware.locker.door_watch import DoorAlarm, DoorWatch
from hardware.locker.gpio_locker import GpioLockerBank
from hardware.locker.sim import SimLockerBank
from tests.rigs.wait import wait_for

POLL = 0.01
EXPECT_S = 30.0  # the expectation window where the test is not about the window itself


class CountedWatch(DoorWatch):
    """A DoorWatch that counts its completed polls (alarms emitted), for ``settle``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.polls = 0

    def check_now(self) -> None:
        super().check_now()
        self.polls += 1


class Alarms:
    """Collects alarms from the watch thread."""

    def __init__(self):
        self.items: list[DoorAlarm] = []
        self._lock = threading.Lock()

    def __call__(self, alarm: DoorAlarm) -> None:
        with self._lock:
            self.items.append(alarm)

    def kinds(self, door: int | None = ...) -> list[str]:
        with self._lock:
            return [a.kind for a in self.items if door is ... or a.door == door]


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def sim():
    bank = SimLockerBank(name="A", doors=4, open_delay=0.02, close_after=None, realtime=False)
    yield bank
    bank.close()


@pytest.fixture
def alarms():
    return Alarms()


@pytest.fixture
def watch_of(alarms):
    watches: list[DoorWatch] = []

    def make(bank, **options) -> CountedWatch:
        watch = CountedWatch(bank, poll_s=POLL, on_alarm=alarms, **options)
        watches.append(watch)
        watch.start()
        return watch

    yield make
    for watch in watches:
        watch.stop()


def settle(watch: CountedWatch, polls: int = 5) -> None:
    """Wait until the watch thread has made ``polls`` whole polls that began after now (one more
    than asked: a poll under way may have read the sensors before the caller's last move)."""
    start = watch.polls
    wait_for(lambda: watch.polls >= start + polls + 1, what=f"{polls} polls of the door watch")


# -- simulated bank ---------------------------------------------------------------------------


def test_opening_after_a_commanded_pulse_raises_nothing(sim, watch_of, alarms):
    watch = watch_of(sim, open_too_long_s=30)
    watch.expect_open(2, within_s=EXPECT_S)
    sim.pulse(2, 100)
    assert sim.wait_open(2, timeout=30.0) is True
    watch.record_result(2, True)
    settle(watch)
    sim.close_door(2)
    settle(watch)
    assert alarms.kinds() == []
    assert watch.active_alarms() == []


def test_door_left_open_alarms_once_and_closing_clears_it(sim, watch_of, alarms):
    watch = watch_of(sim, open_too_long_s=0.1)
    watch.expect_open(1, within_s=EXPECT_S)
    sim.pulse(1, 100)
    wait_for(lambda: alarms.kinds(1) == ["left_open"])
    settle(watch, 30)  # three times the limit: still one alarm for this opening
    assert alarms.kinds(1) == ["left_open"]
    assert [a.kind for a in watch.active_alarms()] == ["left_open"]
    sim.close_door(1)
    wait_for(lambda: alarms.kinds(1) == ["left_open", "closed"])
    assert watch.active_alarms() == []
    alarm = alarms.items[0]
    assert (alarm.bank, alarm.door) == ("A", 1)
    assert abs(alarm.at - time.time()) < 60  # wall time, for people


def test_open_without_a_command_is_forced(sim, watch_of, alarms):
    watch = watch_of(sim, open_too_long_s=30)
    settle(watch)
    sim.open_door(3)
    wait_for(lambda: alarms.kinds(3) == ["forced"])
    assert alarms.items[0].detail == "opened without a command"
    sim.close_door(3)
    wait_for(lambda: alarms.kinds(3) == ["forced", "closed"])
    assert watch.active_alarms() == []


def test_expectation_covers_one_opening_within_its_window(sim, alarms):
    clock = FakeClock()
    watch = DoorWatch(sim, open_too_long_s=30, on_alarm=alarms, clock=clock)
    watch.check_now()
    watch.expect_open(1, within_s=5)
    clock.now += 4
    sim.open_door(1)
    watch.check_now()
    sim.close_door(1)
    watch.check_now()
    sim.open_door(1)  # a second opening on the same command
    watch.check_now()
    assert alarms.kinds() == ["forced"]
    sim.close_door(1)
    watch.check_now()
    watch.expect_open(2, within_s=5)
    clock.now += 5.5  # the window has passed before the door moved
    sim.open_door(2)
    watch.check_now()
    assert alarms.kinds(2) == ["forced"]


def test_left_open_timing_follows_the_clock(sim, alarms):
    clock = FakeClock()
    watch = DoorWatch(sim, open_too_long_s=60, on_alarm=alarms, clock=clock)
    watch.check_now()
    watch.expect_open(4)
    sim.open_door(4)
    watch.check_now()
    clock.now += 59.9
    watch.check_now()
    assert alarms.kinds() == []
    clock.now += 0.2
    watch.check_now()
    clock.now += 600
    watch.check_now()
    assert alarms.kinds() == ["left_open"]
    assert alarms.items[0].detail == "open for 60 s"


def test_door_open_at_start_is_not_forced_but_can_be_left_open(sim, alarms):
    clock = FakeClock()
    sim.open_door(2)  # opened before the lane (re)started
    watch = DoorWatch(sim, open_too_long_s=10, on_alarm=alarms, clock=clock)
    watch.check_now()
    assert alarms.kinds() == []
    clock.now += 10
    watch.check_now()
    assert alarms.kinds() == ["left_open"]


def test_stuck_door_goes_out_of_service_while_another_still_works(sim, watch_of, alarms):
    watch = watch_of(sim, open_too_long_s=30)
    sim.set_stuck(3)
    for attempt in (1, 2):
        watch.expect_open(3, within_s=0.5)
        sim.pulse(3, 100)
        opened = sim.wait_open(3, timeout=0.1)
        assert opened is False
        watch.record_result(3, opened)
        if attempt == 1:
            assert watch.out_of_service() == set()  # one miss is not yet a failure
    assert watch.out_of_service() == {3}
    assert alarms.kinds(3) == ["out_of_service"]
    assert alarms.items[-1].detail == "not detected 2 times in a row"
    watch.record_result(3, False)  # already out: no second alarm
    assert alarms.kinds(3) == ["out_of_service"]

    watch.expect_open(1, within_s=EXPECT_S)
    sim.pulse(1, 100)
    assert sim.wait_open(1, timeout=30.0) is True
    watch.record_result(1, True)
    settle(watch)
    assert watch.out_of_service() == {3}
    assert alarms.kinds(1) == []

    watch.restore(3)
    assert watch.out_of_service() == set()
    assert alarms.kinds(3) == ["out_of_service", "restored"]
    assert watch.active_alarms() == []


def test_an_opening_resets_the_miss_count(sim, alarms):
    watch = DoorWatch(sim, on_alarm=alarms)
    watch.record_result(1, False)
    watch.record_result(1, True)
    watch.record_result(1, False)
    watch.record_result(1, None)  # no sensor reading: neither a miss nor an opening
    assert watch.out_of_service() == set()
    watch.record_result(1, False)
    assert watch.out_of_service() == {1}


def test_mark_failed_by_hand(sim, alarms):
    watch = DoorWatch(sim, on_alarm=alarms)
    watch.mark_failed(4, "lock coil measured open-circuit")
    watch.mark_failed(4, "again")
    assert watch.out_of_service() == {4}
    assert [(a.kind, a.detail) for a in alarms.items] == [
        ("out_of_service", "lock coil measured open-circuit")
    ]


def test_unreachable_bank_raises_one_sensor_error_until_it_reads_again(sim, watch_of, alarms):
    watch = watch_of(sim, open_too_long_s=30)
    settle(watch)
    sim.set_offline(True)
    wait_for(lambda: alarms.kinds() == ["sensor_error"])
    settle(watch, 10)
    assert alarms.kinds() == ["sensor_error"]
    assert alarms.items[0].door is None
    assert [a.kind for a in watch.active_alarms()] == ["sensor_error"]
    sim.set_offline(False)
    wait_for(lambda: alarms.kinds() == ["sensor_error", "sensor_ok"])
    assert watch.active_alarms() == []


class OneBadSensor(SimLockerBank):
    def __init__(self, **options):
        super().__init__(**options)
        self.broken: set[int] = set()

    def door_open(self, door: int) -> bool | None:
        if door in self.broken:
            raise OSError("sensor wire cut")
        return super().door_open(door)


def test_one_broken_sensor_alarms_for_that_door_only(alarms):
    bank = OneBadSensor(name="B", doors=3, realtime=False)
    try:
        watch = DoorWatch(bank, on_alarm=alarms)
        watch.check_now()
        bank.broken.add(2)
        watch.check_now()
        watch.check_now()
        bank.open_door(3)
        watch.check_now()
        assert [(a.door, a.kind) for a in alarms.items] == [(2, "sensor_error"), (3, "forced")]
        assert "sensor wire cut" in alarms.items[0].detail
        bank.broken.clear()
        watch.check_now()
        assert alarms.kinds(2) == ["sensor_error", "sensor_ok"]
    finally:
        bank.close()


def test_doors_without_sensors_are_not_watched(alarms):
    bank = SimLockerBank(name="blind", doors=2, sensors=False, realtime=False)
    watch = DoorWatch(bank, open_too_long_s=0, on_alarm=alarms)
    bank.open_door(1)
    watch.check_now()
    watch.check_now()
    assert alarms.items == []


def test_a_failing_alarm_consumer_does_not_stop_the_watch(sim, alarms):
    calls: list[str] = []

    def consumer(alarm: DoorAlarm) -> None:
        calls.append(alarm.kind)
        raise RuntimeError("consumer bug")

    watch = CountedWatch(sim, poll_s=POLL, on_alarm=consumer)
    watch.start()
    try:
        # the first reading only learns the doors (a door open then was opened before we watched)
        settle(watch, polls=1)
        sim.open_door(1)
        wait_for(lambda: calls == ["forced"])
        sim.open_door(2)
        wait_for(lambda: calls == ["forced", "forced"])
    finally:
        watch.stop()


def test_bad_door_numbers_and_options_are_refused(sim, alarms):
    from hardware.errors import LockerError

    watch = DoorWatch(sim, on_alarm=alarms)
    for call in (watch.expect_open, watch.restore, lambda d: watch.record_result(d, False)):
        with pytest.raises(LockerError):
            call(5)
    with pytest.raises(ValueError):
        DoorWatch(sim, poll_s=0, on_alarm=alarms)
    with pytest.raises(ValueError):
        DoorWatch(sim, not_detected_limit=0, on_alarm=alarms)


def test_stop_ends_the_thread(sim, alarms):
    watch = DoorWatch(sim, poll_s=POLL, on_alarm=alarms)
    watch.start()
    thread = watch._thread
    watch.stop()
    assert thread is not None and not thread.is_alive()
    sim.open_door(1)
    time.sleep(POLL * 5)  # no thread is left to poll (asserted above): nothing can come
    assert alarms.items == []


# -- GPIO bank on MockFactory -----------------------------------------------------------------

RELAYS = [17, 27, 22]
SENSORS = [5, 6, 13]


@pytest.fixture
def factory():
    return MockFactory()


@pytest.fixture
def gpio(factory):
    bank = GpioLockerBank(
        name="G", relay_pins=RELAYS, sensor_pins=SENSORS, max_pulse_ms=200, pin_factory=factory
    )
    for n in SENSORS:
        factory.pin(n).drive_low()  # reed switches closed: every door shut
    yield bank
    bank.close()


def pulse_and_pop(bank, factory, door: int, pops: bool) -> bool | None:
    """Pulse ``door``; if ``pops`` its sensor reads open shortly after, like a sprung door."""
    popper = threading.Timer(0.02, factory.pin(SENSORS[door - 1]).drive_high) if pops else None
    bank.pulse(door, 20)
    if popper is not None:
        popper.start()
    try:
        # a popping door returns at its edge, however late the timer fires; a jammed one waits
        # out the short timeout (nothing can open it, so a busy machine cannot make it pass)
        return bank.wait_open(door, timeout=30.0 if pops else 0.2)
    finally:
        if popper is not None:
            popper.join()


def test_gpio_commanded_opening_left_open_once_then_closed(gpio, factory, watch_of, alarms):
    watch = watch_of(gpio, open_too_long_s=0.15)
    settle(watch)
    watch.expect_open(1, within_s=EXPECT_S)
    assert pulse_and_pop(gpio, factory, 1, pops=True) is True
    watch.record_result(1, True)
    wait_for(lambda: alarms.kinds(1) == ["left_open"])
    settle(watch, 30)
    assert alarms.kinds(1) == ["left_open"]
    factory.pin(SENSORS[0]).drive_low()
    wait_for(lambda: alarms.kinds(1) == ["left_open", "closed"])


def test_gpio_forced_door(gpio, factory, watch_of, alarms):
    watch = watch_of(gpio, open_too_long_s=30)
    settle(watch)
    factory.pin(SENSORS[1]).drive_high()  # pried open: no pulse, no expectation
    wait_for(lambda: alarms.kinds(2) == ["forced"])
    assert alarms.kinds() == ["forced"]


def test_gpio_stuck_door_goes_out_of_service_while_another_still_works(gpio, factory, watch_of, alarms):
    watch = watch_of(gpio, open_too_long_s=30)
    settle(watch)
    for _ in range(2):
        watch.expect_open(3, within_s=0.5)
        opened = pulse_and_pop(gpio, factory, 3, pops=False)  # the lock is jammed
        assert opened is False
        watch.record_result(3, opened)
    assert watch.out_of_service() == {3}

    watch.expect_open(2, within_s=EXPECT_S)
    assert pulse_and_pop(gpio, factory, 2, pops=True) is True
    watch.record_result(2, True)
    settle(watch)
    factory.pin(SENSORS[1]).drive_low()
    settle(watch)
    assert watch.out_of_service() == {3}
    assert alarms.kinds() == ["out_of_service"]
    assert alarms.items[0].door == 3
