"""The lane's heartbeat: its content, the sender thread, the host probes, the log ring buffer."""

from __future__ import annotations

import json
import logging
import time

from controller.lane.heartbeat import HeartbeatSender, build_heartbeat
from controller.ops.host import HostProbes, host_health
from controller.ops.logs import RecentLines
from tests.rigs.wait import wait_for


def test_heartbeat_reports_devices_doors_and_host(build):
    system = build()
    system.start()
    try:
        report = build_heartbeat(system.lane, host={"version": "9.9", "cpu_temp_c": 50.0}, site="MPP")
    finally:
        system.stop()
    assert report["lane_id"] == "lane-1" and report["site"] == "MPP" and report["version"] == "9.9"
    assert {"scanner", "printer", "locker:A", "signals"} <= set(report["devices"])
    assert report["devices"]["printer"]["state"] == "ok"
    assert "active_alarms" in report["doors"]
    assert "AMB1" not in json.dumps(report)


def test_sender_beats_and_survives_failures():
    got, fail = [], {"on": True}

    def send(payload):
        if fail["on"]:
            raise ConnectionError("office away")
        got.append(payload)

    sender = HeartbeatSender(lambda: {"n": time.monotonic()}, send, interval=0.05)
    sender.start()
    try:
        wait_for(lambda: sender.failures >= 2, what="two failed beats")
        assert got == []
        fail["on"] = False
        wait_for(lambda: len(got) >= 3, what="three beats delivered")
    finally:
        sender.stop()
    assert len(got) >= 3 and sender.failures == 0


def test_all_in_one_heartbeats_reach_the_fleet(build):
    system = build(heartbeat_seconds=0.1)
    system.start()
    try:
        lane = wait_for(
            lambda: (lanes := system.fleet.lanes()) and lanes[0]["reported"] and lanes[0],
            what="the first heartbeat at the fleet",
        )
    finally:
        system.stop()
    assert lane["reported"] and lane["online"] and "printer" in lane["devices"]


def test_host_probes_from_fixture_files(tmp_path):
    (tmp_path / "temp").write_text("81234\n")
    (tmp_path / "meminfo").write_text("MemTotal: 100 kB\nMemAvailable:  2048000 kB\n")
    (tmp_path / "uptime").write_text("1234.5 99.0\n")
    vcgencmd = tmp_path / "vcgencmd"
    vcgencmd.write_text("#!/bin/sh\necho throttled=0x50005\n")
    timedatectl = tmp_path / "timedatectl"
    timedatectl.write_text("#!/bin/sh\necho no\n")
    for tool in (vcgencmd, timedatectl):
        tool.chmod(0o755)
    probes = HostProbes(
        tmp_path / "temp", tmp_path / "meminfo", tmp_path / "uptime", str(vcgencmd), str(timedatectl)
    )
    health = host_health(tmp_path, probes=probes)
    assert health["cpu_temp_c"] == 81.2
    assert health["memory_available_mb"] == 2000.0
    assert health["uptime_s"] == 1234.0
    assert health["throttled"]["under_voltage_now"] and health["throttled"]["throttled_now"]
    assert health["clock_synchronised"] is False
    assert health["disk_free_mb"] > 0 and 0 < health["disk_free_percent"] <= 100
    assert health["version"]


def test_missing_probes_give_none(tmp_path):
    probes = HostProbes(
        tmp_path / "no", tmp_path / "no", tmp_path / "no", "no-such-vcgencmd", "no-such-timedatectl"
    )
    health = host_health(tmp_path / "missing-dir", probes=probes)
    assert health["cpu_temp_c"] is None and health["throttled"] is None and health["disk_free_mb"] is None
    assert health["memory_available_mb"] is None and health["uptime_s"] is None


def test_recent_lines_keep_warnings_redacted():
    handler = RecentLines(size=3)
    logger = logging.getLogger("tests.heartbeat.ring")
    logger.addHandler(handler)
    try:
        logger.warning("bad code %s", "AMB1" + "A" * 26)
        logger.info("not kept")
        for i in range(3):
            logger.error("error %d", i)
    finally:
        logger.removeHandler(handler)
    lines = handler.lines()
    assert [line["message"] for line in lines] == ["error 0", "error 1", "error 2"]
    handler2 = RecentLines()
    handler2.handle(
        logging.LogRecord("x", logging.WARNING, __file__, 1, "code %s", ("AMB1" + "B" * 26,), None)
    )
    assert handler2.lines()[0]["message"] == "code AMB1[redacted]"


def test_cli_selftest_runs_through_the_lane(build, capsys):
    import argparse

    from tests.rigs.server import LiveServer
    from web.cli import selftest

    parser = argparse.ArgumentParser()
    selftest.register(parser.add_subparsers())
    with LiveServer(build()) as server:
        args = parser.parse_args(["selftest", "lights", "--url", server.url])
        assert args.func(args) == 0
        assert '"outcome": "ok"' in capsys.readouterr().out
        args = parser.parse_args(["selftest", "door", "--bank", "A", "--door", "1", "--url", server.url])
        assert args.func(args) == 0


def test_the_composition_root_hands_the_heartbeat_the_recent_log_lines(build):
    # the lane imports nothing of controller/ops/: system.py wires the log ring buffer in
    root = logging.getLogger()
    ring = RecentLines()
    root.addHandler(ring)
    system = build()
    try:
        logging.getLogger("tests.heartbeat.wiring").warning("printer lid open on %s", "lane-1")
        report = system.heartbeat.build()
    finally:
        root.removeHandler(ring)
    assert [line["message"] for line in report["logs"]][-1:] == ["printer lid open on lane-1"]
    assert build_heartbeat(system.lane)["logs"] == []  # nothing handed in: no lines
