"""A staff door opening through the lane: journaled like a release, one pulse, never reported."""

from __future__ import annotations

import threading
import time

import pytest

from controller.kernel.errors import AmbilError
from controller.lane.staff_doors import SERVICE_PREFIX
from tests.controller.lane.conftest import issue_locker, wait_done


def test_service_open_journals_pulses_once_and_is_not_reported(make_system):
    system = make_system()
    lane = system.lane
    bank = lane.lockers["A"]
    answer = lane.service_open("A", 3, actor="user:7", reason="load")
    assert answer["outcome"] == "opened" and answer["detail"] == "door opened"
    assert [door for door, _ms, _at in bank.pulses] == [3]
    record = lane.journal.get(answer["journal_id"])
    assert record.claim_id.startswith(SERVICE_PREFIX)
    assert record.stage == "done" and record.outcome == "service_opened" and record.reported
    assert record.action == {"kind": "door", "bank": "A", "door": 3, "service": "load"}
    assert lane.journal.unreported() == []
    lane.reporter.flush()  # nothing to send: the office never hears of it as a claim
    with system.office.engine.connect() as conn:
        claims = conn.exec_driver_sql("SELECT count(*) FROM claims").scalar_one()
    assert claims == 0


def test_a_stuck_door_is_not_detected_and_an_unknown_bank_fails_without_a_pulse(make_system):
    system = make_system(door_open_timeout=0.3)
    lane = system.lane
    bank = lane.lockers["A"]
    bank.set_stuck(2)
    answer = lane.service_open("A", 2, actor="user:7", reason="load")
    assert answer["outcome"] == "not_detected"
    assert lane.journal.get(answer["journal_id"]).outcome == "service_not_detected"
    missing = lane.service_open("Z", 1, actor="user:7", reason="load")
    assert missing["outcome"] == "failed" and "not on this lane" in missing["detail"]
    bad_door = lane.service_open("A", 99, actor="user:7", reason="load")
    assert bad_door["outcome"] == "failed"
    bank.set_offline(True)
    offline = lane.service_open("A", 1, actor="user:7", reason="load")
    assert offline["outcome"] == "failed"
    assert [door for door, _ms, _at in bank.pulses] == [2]
    assert lane.journal.unreported() == []


def test_service_open_waits_for_a_release_in_progress(make_system):
    system = make_system()
    lane = system.lane
    holder = threading.Event()
    release_lock = threading.Event()

    def busy_worker():
        with lane._act_lock:  # what the worker holds while it handles a read
            holder.set()
            release_lock.wait(5)

    thread = threading.Thread(target=busy_worker)
    thread.start()
    holder.wait(5)
    with pytest.raises(AmbilError) as err:
        lane.service_open("A", 1, actor="user:7", reason="load", wait=0.2)
    assert err.value.key == "lane.busy"
    assert lane.lockers["A"].pulses == []
    started = time.monotonic()
    threading.Timer(0.3, release_lock.set).start()
    assert lane.service_open("A", 1, actor="user:7", reason="load", wait=5)["outcome"] == "opened"
    assert time.monotonic() - started >= 0.25
    thread.join()


def test_a_real_release_after_a_service_open_is_reported_normally(make_system):
    system = make_system()
    lane = system.lane
    lane.service_open("A", 1, actor="user:7", reason="load")
    doc_id, code = issue_locker(system.office, 2)
    lane.on_read(code)
    rows = wait_done(lane, 2)
    assert [r.outcome for r in rows] == ["service_opened", "released"]
    assert [door for door, _ms, _at in lane.lockers["A"].pulses] == [1, 2]


def test_service_opener_on_an_unstarted_lane(make_system):
    system = make_system(start=False)
    answer = system.lane.opener.open("A", 4, actor="user:1", reason="test")
    assert answer["outcome"] == "opened" and answer["lane_id"] == system.lane.settings.lane_id
    system.lane.journal.close()
