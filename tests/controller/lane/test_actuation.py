"""The lane's one door pulse (controller/lane/actuation.py), shared by releases, staff openings and
self-tests; each test here failed on a copy that had drifted from the others."""

from __future__ import annotations

from controller.lane.actuation import FAILED, NOT_DETECTED, OPENED, DoorActuator
from controller.lane.journal import Journal
from controller.lane.staff_doors import ServiceOpener
from hardware.errors import DeviceOffline
from hardware.locker.door_watch import DoorWatch
from hardware.locker.sim import SimLockerBank
from tests.controller.lane.conftest import issue_locker, wait_done


class SensorLostAfterPulse(SimLockerBank):
    """The pulse goes out, then the bank stops answering before the sensor is read."""

    def wait_open(self, door, timeout):
        raise DeviceOffline(f"locker {self.name!r}: bus gone")


def fast_bank(cls=SimLockerBank, **options):
    return cls(name="A", doors=4, realtime=False, open_delay=0.0, close_after=None, **options)


def test_staff_openings_count_towards_out_of_service_like_releases(make_system):
    # service_open never called DoorWatch.record_result: a door jammed shut stayed in service
    system = make_system(door_open_timeout=0.2, not_detected_limit=2)
    lane = system.lane
    lane.lockers["A"].set_stuck(2)
    for _ in range(2):
        assert lane.service_open("A", 2, actor="user:7", reason="load")["outcome"] == NOT_DETECTED
    assert lane.outputs.door_watches["A"].out_of_service() == {2}
    assert lane.status()["doors"]["doors_out_of_service"] == {"A": [2]}


def test_a_release_whose_sensor_is_lost_after_the_pulse_ends_uncertain_not_in_a_crash(make_system):
    # the release's copy did not catch a sensor error after the pulse: INTENT stayed without DONE
    bank = fast_bank(SensorLostAfterPulse)
    system = make_system(drivers={"lockers": {"A": bank}}, dedupe_seconds=0.1)
    _, code = issue_locker(system.office, door=3)
    system.lane.simulate_scan(text=code)
    (done,) = wait_done(system.lane)
    assert done.outcome == "uncertain"
    assert "sensor:" in done.detail and "bus gone" in done.detail
    assert [p[0] for p in bank.pulses] == [3]  # one pulse, never repeated


def test_the_opener_needs_only_the_journal_and_the_doors(tmp_path):
    bank = fast_bank()
    alarms = []
    watch = DoorWatch(bank, on_alarm=alarms.append)
    doors = DoorActuator({"A": bank}, {"A": watch}, pulse_ms=100, door_open_timeout=1.0)
    journal = Journal(tmp_path / "journal.db")
    try:
        opener = ServiceOpener(lane_id="lane-9", journal=journal, doors=doors)
        answer = opener.open("A", 1, actor="user:1", reason="load")
        assert answer["outcome"] == OPENED and answer["lane_id"] == "lane-9"
        assert journal.get(answer["journal_id"]).outcome == "service_opened"
        assert opener.open("A", 5, actor="user:1", reason="load")["outcome"] == FAILED
        bank.set_offline(True)
        assert doors.open("A", 1).outcome == FAILED  # nothing energised
        assert [p[0] for p in bank.pulses] == [1]
    finally:
        journal.close()
