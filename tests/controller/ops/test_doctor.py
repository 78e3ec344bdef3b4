"""``ambil doctor``: a missing printer queue, an absent serial port and a wrong clock are each
named with a fix; a lane's office link and key are checked against a real office over HTTP."""

from __future__ import annotations

import io

from controller.ops.doctor.run import FAIL, OK, WARN, doctor, run_checks
from controller.ops.doctor.system import office_findings
from tests.rigs.server import LiveServer
from web.cli import main


def write_config(path, body: str):
    path.write_text(body)
    return path


def test_missing_queue_absent_port_and_wrong_clock_are_named_with_fixes(
    cups_server, tmp_path, monkeypatch, capsys
):
    config = write_config(
        tmp_path / "ambil.toml",
        f"""
state_dir = "{tmp_path / "state"}"
[lane.printer]
type = "cups"
queue = "no-such-queue"
server = "{cups_server.server}"
[lane.scanner]
type = "serial"
port = "/dev/does-not-exist"
""",
    )
    monkeypatch.setenv("AMBIL_DOCTOR_NOW", "2001-01-01")
    assert main(["doctor", "--config", str(config)]) == 1
    out = capsys.readouterr().out
    print(out)
    lines = out.splitlines()

    def problem(fragment: str) -> tuple[str, str]:
        index = next(i for i, line in enumerate(lines) if fragment in line)
        return lines[index], lines[index + 1]

    line, fix = problem("printer queue 'no-such-queue' not found")
    assert line.startswith("FAIL") and cups_server.pdf_queue in line  # names the queues that exist
    assert "fix: lpadmin -p no-such-queue -E -v" in fix and "lane.printer.queue" in fix
    line, fix = problem("serial port /dev/does-not-exist does not exist")
    assert line.startswith("FAIL") and "lane.scanner.port" in fix and "99-ambil.rules" in fix
    line, fix = problem("the clock says 2001-01-01")
    assert line.startswith("FAIL") and "timedatectl set-ntp true" in fix


def test_a_healthy_simulated_lane_passes(tmp_path):
    config = write_config(tmp_path / "ok.toml", f'state_dir = "{tmp_path / "state"}"\n')
    out = io.StringIO()
    assert doctor(str(config), out=out) == 0, out.getvalue()
    assert "OK    config" in out.getvalue()


def test_a_bad_config_names_the_key(tmp_path):
    config = write_config(tmp_path / "bad.toml", '[lane.printer]\ntype = "cups"\n')
    findings = run_checks(config)
    failed = [f for f in findings if f.status == FAIL]
    assert failed[0].name == "config" and "lane.printer.queue" in failed[0].message
    assert "ambil config check" in failed[0].fix


def test_the_clock_behind_the_state_directory(tmp_path):
    from datetime import UTC, datetime

    from controller.ops.doctor.system import clock_findings

    (tmp_path / "journal.db").write_text("x")
    findings = clock_findings(now=datetime(2001, 1, 1, tzinfo=UTC), state_dir=tmp_path)
    assert findings[0].status == FAIL
    assert clock_findings(now=datetime.now(UTC), state_dir=tmp_path)[0].status == OK


def test_the_office_link_and_the_lane_key(build, tmp_path):
    from controller.config import parse_config

    office = build()
    with LiveServer(office) as server:
        good = office.office.create_api_key("lane", lane_id="lane-1")
        for key, expected in ((good, [OK]), ("amk_wrong", [OK, FAIL])):
            config = parse_config(
                {
                    "role": "lane",
                    "state_dir": str(tmp_path / "lane"),
                    "lane": {"office_url": server.url, "api_key": key},
                }
            )
            assert [f.status for f in office_findings(config)] == expected, key
    config = parse_config(
        {
            "role": "lane",
            "state_dir": str(tmp_path),
            "lane": {"office_url": "http://127.0.0.1:9", "api_key": "k"},
        }
    )
    found = office_findings(config)
    assert found[0].status == FAIL and "not reachable" in found[0].message


def fake_tool(path, script: str) -> str:
    path.write_text("#!/bin/sh\n" + script + "\n")
    path.chmod(0o755)
    return str(path)


def test_doctor_and_heartbeat_read_clock_sync_with_one_probe(tmp_path):
    from datetime import UTC, datetime

    from controller.ops.doctor.system import clock_findings
    from controller.ops.host import HostProbes, host_health

    timedatectl = fake_tool(tmp_path / "timedatectl", "echo no")
    findings = clock_findings(now=datetime.now(UTC), state_dir=tmp_path, timedatectl=timedatectl)
    sync = next(f for f in findings if f.name == "clock sync")
    assert sync.status == WARN
    assert host_health(tmp_path, probes=HostProbes(timedatectl=timedatectl))["clock_synchronised"] is False


def test_a_hanging_timedatectl_costs_the_doctor_the_probes_timeout_not_its_own(tmp_path):
    # the doctor's copy waited 5 s for timedatectl, the heartbeat's 2 s; one probe, one timeout
    import time
    from datetime import UTC, datetime

    from controller.ops.doctor.system import clock_findings
    from controller.ops.host import COMMAND_TIMEOUT_S

    timedatectl = fake_tool(tmp_path / "timedatectl", "exec sleep 30")
    started = time.monotonic()
    clock_findings(now=datetime.now(UTC), state_dir=tmp_path, timedatectl=timedatectl)
    assert time.monotonic() - started < COMMAND_TIMEOUT_S + 1.5
