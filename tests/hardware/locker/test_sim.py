"""SimLockerBank: the simulated doors behave like the real bank and can be scripted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import hardware
from hardware.errors import DeviceOffline, LockerError
from hardware.locker.sim import SimLockerBank
from hardware.status import DeviceState
from tests.rigs.wait import wait_for

# where the ``hardware`` package lives, so the child process imports the same code as this test
SOURCE_ROOT = Path(hardware.__file__).resolve().parent.parent


@pytest.fixture
def bank():
    # a door stays open a whole second: longer than a busy machine keeps a test from looking
    bank = SimLockerBank(name="sim", doors=4, open_delay=0.05, close_after=1.0, realtime=False)
    yield bank
    bank.close()


def test_pulse_opens_the_door_after_the_delay_and_it_closes_again():
    # delays far above any pause a busy machine puts between two lines of this test
    bank = SimLockerBank(name="sim", doors=4, open_delay=0.5, close_after=1.0, realtime=False)
    try:
        started = time.monotonic()
        assert bank.pulse(2, 300) == 300
        assert bank.door_open(2) is False  # not yet: the door pops after open_delay
        assert bank.wait_open(2, timeout=30.0) is True
        assert time.monotonic() - started >= 0.49
        assert bank.status().info["doors"] == {1: "closed", 2: "open", 3: "closed", 4: "closed"}
        wait_for(lambda: bank.door_open(2) is False, what="door 2 to swing shut by itself")
        assert [(door, ms) for door, ms, _ in bank.pulses] == [(2, 300)]
    finally:
        bank.close()


def test_stuck_door_is_pulsed_but_not_detected(bank):
    bank.set_stuck(3, True)
    bank.pulse(3, 100)
    assert bank.wait_open(3, timeout=0.2) is False
    assert len(bank.pulses) == 1
    bank.set_stuck(3, False)
    bank.pulse(3, 100)
    assert bank.wait_open(3, timeout=30.0) is True


def test_scripted_doors_without_auto_open():
    bank = SimLockerBank(name="manual", doors=2, auto_open=False, realtime=False)
    try:
        bank.pulse(1, 50)
        assert bank.wait_open(1, timeout=0.1) is False
        bank.open_door(1)
        assert bank.door_open(1) is True
        time.sleep(0.05)  # "it stays": a busy machine only makes this window weaker
        assert bank.door_open(1) is True  # a hand-opened door stays open until closed
        bank.close_door(1)
        assert bank.door_open(1) is False
    finally:
        bank.close()


def test_door_closed_by_hand_before_it_pops_stays_closed(bank):
    bank.pulse(1, 10)
    bank.close_door(1)  # cancels the pending auto-open
    assert bank.wait_open(1, timeout=0.15) is False


def test_without_sensors_doors_read_none():
    bank = SimLockerBank(name="blind", doors=2, sensors=False, realtime=False)
    bank.pulse(1, 10)
    assert bank.door_open(1) is None
    assert bank.wait_open(1, timeout=1.0) is None
    assert bank.status().info["doors"] == {1: "unknown", 2: "unknown"}


def test_offline_bank_refuses_pulses_and_reports_offline(bank):
    bank.set_offline(True)
    with pytest.raises(DeviceOffline):
        bank.pulse(1, 10)
    with pytest.raises(DeviceOffline):
        bank.door_open(1)
    assert bank.status().state == DeviceState.OFFLINE
    assert bank.pulses == []
    bank.set_offline(False)
    bank.pulse(1, 10)
    assert bank.status().state == DeviceState.OK


def test_clamps_and_rejects_like_the_real_driver():
    bank = SimLockerBank(name="sim", doors=2, max_pulse_ms=200, realtime=False)
    assert bank.pulse(1, 10_000) == 200
    assert bank.pulse(1, 0) == 1
    for door in (0, 3, True):
        with pytest.raises(LockerError):
            bank.pulse(door, 10)
    assert [ms for _, ms, _ in bank.pulses] == [200, 1]


def test_realtime_pulses_block_and_never_overlap():
    bank = SimLockerBank(name="rt", doors=3, auto_open=False)
    seen_energised: list[int | None] = []
    barrier = threading.Barrier(3)

    def worker(door: int) -> None:
        barrier.wait()
        bank.pulse(door, 100)

    threads = [threading.Thread(target=worker, args=(d,)) for d in (1, 2, 3)]
    for thread in threads:
        thread.start()
    # some relay is on for the 0.3 s the three pulses take, whenever they start
    seen_energised.append(wait_for(lambda: bank.energised, interval=0.005, what="a relay energised"))
    for thread in threads:
        thread.join(timeout=30)
    starts = sorted(at for _, _, at in bank.pulses)
    assert len(starts) == 3
    assert all(later - earlier >= 0.099 for earlier, later in zip(starts, starts[1:], strict=False))
    assert seen_energised[0] in (1, 2, 3)
    assert bank.energised is None


def test_pulse_log_lines_survive_restarts(tmp_path):
    log_path = tmp_path / "state" / "pulses.jsonl"
    first = SimLockerBank(name="sim", doors=2, log_path=log_path, realtime=False)
    first.pulse(1, 100)
    first.pulse(2, 5000)
    first.close()
    second = SimLockerBank(name="sim", doors=2, log_path=log_path, realtime=False)
    second.pulse(2, 20)
    lines = [json.loads(line) for line in log_path.read_text().splitlines()]
    assert [(line["door"], line["ms"]) for line in lines] == [(1, 100), (2, 1000), (2, 20)]
    assert all(abs(line["at"] - time.time()) < 60 for line in lines)


def test_pulse_is_logged_before_a_kill_during_the_pulse(tmp_path):
    log_path = tmp_path / "pulses.jsonl"
    script = (
        "from pathlib import Path\n"
        "from hardware.locker.sim import SimLockerBank\n"
        f"bank = SimLockerBank(name='sim', doors=1, max_pulse_ms=30000, log_path=Path({str(log_path)!r}))\n"
        "bank.pulse(1, 30000)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(SOURCE_ROOT)}
    child = subprocess.Popen([sys.executable, "-c", script], cwd=SOURCE_ROOT, env=env)

    def logged() -> bool:
        assert child.poll() is None, "child exited before pulsing"
        return log_path.exists() and log_path.read_text().endswith("\n")

    try:
        wait_for(logged, interval=0.01, what="the pulse in the log")
    finally:
        child.kill()  # SIGKILL mid-pulse: no cleanup runs in the child
        child.wait()
    assert [json.loads(line)["ms"] for line in log_path.read_text().splitlines()] == [30000]


def test_close_cancels_pending_movements_and_refuses_pulses():
    # open_delay far above any pause a busy machine puts between pulse() and close()
    bank = SimLockerBank(name="sim", doors=1, open_delay=0.5, realtime=False)
    bank.pulse(1, 10)
    (pending, _token) = bank._timers[1]
    bank.close()
    pending.join(timeout=30)  # a cancelled timer ends at once; one left running, after firing
    assert bank.status().state == DeviceState.OFFLINE
    assert bank.status().info["doors"] == {1: "unknown"}
    with pytest.raises(DeviceOffline):
        bank.pulse(1, 10)
    assert bank._open[1] is False  # the pending auto-open was cancelled
