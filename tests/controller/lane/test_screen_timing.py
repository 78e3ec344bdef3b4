"""The screen's result timing lives in one place (controller/lane/screen_timing.py), on an
injectable clock; which view a release's outcome shows is said in one place
(``screen.result_view``); and a scanner says through its interface whether it can be scripted."""

from __future__ import annotations

import pytest

from controller.kernel.errors import AmbilError
from controller.kernel.grants import Grant
from controller.lane.intake import scripted_read
from controller.lane.release import Outcome
from controller.lane.screen import BankPlacement, LaneState, ScreenBus, make_view, result_view
from controller.lane.screen_timing import ScreenTiming, idle_view
from hardware.scanner.interface import Scanner
from hardware.scanner.sim import SimScanner
from hardware.status import DeviceStatus
from web.i18n.lane_screen import with_texts


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


@pytest.mark.parametrize(
    ("outcome", "reason", "kind", "state"),
    [
        ("released", "", "locker", LaneState.DOOR_OPEN),
        ("released", "", "print", LaneState.TAKE_DOCUMENT),
        ("refused", "code.expired", None, LaneState.REFUSED),
        ("refused", "code.pin_required", None, LaneState.PIN_ENTRY),
        ("abandoned", "office.unreachable", None, LaneState.OFFLINE),
        ("failed", "print.media_empty", "print", LaneState.PROBLEM),
        ("uncertain", "door.not_detected", "locker", LaneState.PROBLEM),
    ],
)
def test_the_screen_says_which_view_an_outcome_shows(outcome, reason, kind, state):
    grant = None
    if kind is not None:
        grant = Grant(claim_id="c1", pickup_id=1, document_id=1, kind=kind, locker_bank="A", door=6)
    view = result_view(Outcome("c1", outcome, reason, grant), {"A": BankPlacement(columns=4, where="kiri")})
    assert view.state == state
    if state in (LaneState.REFUSED, LaneState.PROBLEM):
        assert view.reason == reason
    if state == LaneState.DOOR_OPEN:  # door 6 of a 4-column bank: second row, second column
        assert view.detail["door"] == 6 and (view.detail["row"], view.detail["column"]) == (2, 2)
        assert view.detail["place_id"] == "kiri"
        assert with_texts(view.to_dict())["detail"]["where_id"] == "Loker A · baris 2, kolom 2 · kiri"


def test_the_releases_own_last_view_is_held_too():
    screen, clock = ScreenBus(), Clock()
    timing = ScreenTiming(
        screen,
        result_seconds=5.0,
        idle=lambda: idle_view(office_online=True, can_release=True, vehicle_present=True),
        clock=clock,
    )
    screen.publish(result_view(Outcome("c1", "released", ""), {}))  # what the release's outcome showed
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
