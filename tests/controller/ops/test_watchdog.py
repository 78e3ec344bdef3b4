"""The systemd watchdog: a real datagram socket stands in for systemd's NOTIFY_SOCKET.

A whole all-in-one System (simulated devices) is started with NOTIFY_SOCKET and WATCHDOG_USEC
set: it says READY=1, pings WATCHDOG=1 while the lane loop turns, stops pinging when the loop is
frozen (the worker blocked on the lane's act lock by a read while the test holds it), pings again
once the loop runs, and says STOPPING=1 when it stops.
"""

from __future__ import annotations

import os
import socket
import time

import pytest

from controller.ops.watchdog import Watchdog, lane_alive, notify, watchdog_interval
from tests.conftest import lane_config
from tests.rigs.wait import wait_for
from web.app import build_system

WATCHDOG_S = 1.0  # systemd's WatchdogSec, shortened: pings every 0.5 s


class NotifyListener:
    """What systemd would see: a bound AF_UNIX datagram socket collecting messages."""

    def __init__(self, path: str):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        address = "\0" + path[1:] if path.startswith("@") else path
        self.sock.bind(address)
        self.sock.settimeout(0.05)
        self.messages: list[tuple[float, str]] = []

    def collect(self, seconds: float) -> list[str]:
        """Messages that arrive in the next ``seconds``."""
        got = []
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                data = self.sock.recv(4096).decode()
            except TimeoutError:
                continue
            self.messages.append((time.monotonic(), data))
            got.append(data)
        return got

    def wait_for(self, message: str, timeout: float = 30.0) -> None:
        wait_for(
            lambda: message in self.collect(0.1),
            timeout,
            interval=0,
            what=lambda: f"{message} (got {[m for _, m in self.messages]})",
        )

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def listener(tmp_path, monkeypatch):
    path = str(tmp_path / "notify.sock")
    found = NotifyListener(path)
    monkeypatch.setenv("NOTIFY_SOCKET", path)
    monkeypatch.setenv("WATCHDOG_USEC", str(int(WATCHDOG_S * 1_000_000)))
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    yield found
    found.close()


def test_ready_then_pings_stop_while_the_lane_loop_is_frozen_and_resume_after(listener, tmp_path):
    system = build_system(lane_config(tmp_path / "state"))
    system.start()
    try:
        listener.wait_for("READY=1")
        alive = listener.collect(2.0)
        assert alive.count("WATCHDOG=1") >= 3, alive  # every 0.5 s while the loop turns

        lane = system.lane
        lane._act_lock.acquire()  # freeze: the worker blocks on the lock with the next read
        try:
            lane.on_read("not a code")
            # the loop's last turn grows older than the interval; pings sent before that are drained
            listener.collect(WATCHDOG_S + 0.6)
            frozen = listener.collect(2.0)
            assert "WATCHDOG=1" not in frozen, frozen
            frozen_pings, alive_pings = frozen.count("WATCHDOG=1"), alive.count("WATCHDOG=1")
            print(f"watchdog pings in 2 s: {frozen_pings} with the lane loop frozen, {alive_pings} alive")
        finally:
            lane._act_lock.release()
        listener.wait_for("WATCHDOG=1")
        resumed = listener.collect(1.5)
        assert resumed.count("WATCHDOG=1") >= 2, resumed
        assert any(m.startswith("STATUS=lane lane-1") for _, m in listener.messages)
    finally:
        system.stop()
    assert "STOPPING=1" in listener.collect(0.3) + [m for _, m in listener.messages]


def test_an_abstract_socket_name_starting_with_at(tmp_path):
    name = f"@ambil-test-{os.getpid()}-{time.monotonic_ns()}"
    found = NotifyListener(name)
    try:
        assert notify("READY=1", socket_path=name)
        assert found.collect(0.2) == ["READY=1"]
    finally:
        found.close()


def test_no_socket_no_notification(monkeypatch):
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    assert notify("READY=1") is False
    assert Watchdog(interval=None).tick() is False  # and nothing crashes


def test_watchdog_interval_reads_usec_and_pid():
    assert watchdog_interval({"WATCHDOG_USEC": "15000000"}) == 15.0
    assert watchdog_interval({"WATCHDOG_USEC": "15000000", "WATCHDOG_PID": str(os.getpid())}) == 15.0
    assert watchdog_interval({"WATCHDOG_USEC": "15000000", "WATCHDOG_PID": str(os.getpid() + 1)}) is None
    assert watchdog_interval({}) is None
    assert watchdog_interval({"WATCHDOG_USEC": "0"}) is None


def _stamp(age: float) -> float:
    return time.monotonic() - age


def test_a_release_in_progress_may_hold_the_loop_longer_but_not_forever():
    assert lane_alive(_stamp(0.5), "ready", limit=15, busy_limit=300)
    assert not lane_alive(_stamp(20), "ready", limit=15, busy_limit=300)
    assert lane_alive(_stamp(120), "printing", limit=15, busy_limit=300)  # a long print job
    assert not lane_alive(_stamp(400), "printing", limit=15, busy_limit=300)
