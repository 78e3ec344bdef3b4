"""The screen's result timing lives in one place (controller/lane/screen_timing.py), on an
injectable clock; and a scanner says through its interface whether it can be scripted."""

from __future__ import annotations

import pytest

from controller.kernel.errors import AmbilError
from controller.lane.intake import scripted_read
from controller.lane.screen import LaneState, ScreenBus, make_view
from controller.lane.screen_timing import ScreenTiming, idle_view
from hardware.scanner.interface import Scanner
from hardware.scanner.sim import SimScanner
from hardware.status import DeviceStatus


class Clock:
    now = 100.0

    def __call__(self):
        return self.now


def test_a_result_stays_for_result_seconds_then_the_idle_view_returns():
    screen, clock = ScreenBus(), Clock()
    conditions = {"office_online": True, "can_release": True, "vehicle_present": False}
    timing = ScreenTiming(screen, result_seconds=8.0, idle=lambda: idle_view(**conditions), clock=clock)
    timing.show_idle()
    assert screen.view.state == LaneState.READY
    timing.show_result(make_view(LaneState.DOOR_OPEN, door=3))
    clock.now += 7.9
    timing.expire()
    assert screen.view.state == LaneState.DOOR_OPEN
    clock.now += 0.1
    timing.expire()
    assert screen.view.state == LaneState.READY
    timing.show_result(make_view(LaneState.PROBLEM, reason="device.failed"), hold=600)
    conditions["office_online"] = False
    timing.refresh_idle()  # a result is never cut short by a change of conditions
    assert screen.view.state == LaneState.PROBLEM
    clock.now += 600
    timing.expire()
    assert screen.view.state == LaneState.OFFLINE


def test_the_releases_own_last_view_is_held_too():
    screen, clock = ScreenBus(), Clock()
    timing = ScreenTiming(
        screen,
        result_seconds=5.0,
        idle=lambda: idle_view(office_online=True, can_release=True, vehicle_present=True),
        clock=clock,
    )
    screen.publish(make_view(LaneState.TAKE_DOCUMENT))  # what the release showed last
    timing.show_result()
    clock.now += 4.0
    timing.expire()
    assert screen.view.state == LaneState.TAKE_DOCUMENT
    clock.now += 1.0
    timing.expire()
    assert screen.view.state == LaneState.READING  # a car is still there


class RealScannerWithAnInjectMethod(Scanner):
    """A real driver that happens to have an ``inject`` method: still not a simulator."""

    name = "camera"

    def start(self, on_read):
        pass

    def stop(self):
        pass

    def status(self):
        return DeviceStatus(kind="scanner", name=self.name)

    def inject(self, text):  # e.g. a debugging hook; the old hasattr() check took it for the sim
        raise AssertionError("a real scanner must never be scripted")


def test_only_a_scanner_that_says_it_is_scripted_takes_simulated_reads():
    with pytest.raises(AmbilError) as refused:
        scripted_read(RealScannerWithAnInjectMethod(), text="AMB1-x")
    assert refused.value.key == "device.failed"
    with pytest.raises(AmbilError):
        scripted_read(None, text="AMB1-x")
    sim = SimScanner()
    assert scripted_read(sim, text="hello") == ["hello"]
    assert sim.reads == ["hello"]
