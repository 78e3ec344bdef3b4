"""Office commands run at most once, under kill -9 of the lane process (issue 13).

A real office over HTTP queues "open door 2" for lane 2. A child lane process takes it over the
long-poll and is killed with SIGKILL at an exact point: (a) after it journalled the command and
pulsed the door but before it posted the result, (b) right after journalling, before acting.
The lane started again on the same state directory posts what its journal says (``opened``, or
``uncertain``: it may have acted) and never pulses again, even when handed the same command. The
simulated locker logs every pulse to an fsynced file, so pulses are counted across the kill.

Also: a command the lane takes after its deadline is never run.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from controller.config import load_config, parse_config
from tests.rigs.server import LiveServer
from web.app import build_system

CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from controller.config import load_config
    from web.app import build_system

    system = build_system(load_config(Path(sys.argv[1])))
    poller = system.command_poller
    (offered,) = poller.link.take_commands(wait=10)["commands"]
    answer = poller.link.take_command(offered["id"])
    command = {**answer["command"], "office_time": answer["office_time"]}
    if sys.argv[2] == "after-act":
        poller.runner(command)  # journalled, pulsed, result journalled; never posted
    else:
        poller.runner._intent(int(command["id"]), command["kind"])  # journalled, then killed
    os.kill(os.getpid(), signal.SIGKILL)
    """
)

LANE_TOML = """
role = "lane"
state_dir = "{state}"
[lane]
id = "lane-2"
name = "Lajur 2"
office_url = "{url}"
api_key = "{key}"
door_open_timeout = 1.0
[[lane.lockers]]
type = "sim"
id = "B"
doors = 4
"""


def pulses(state: Path) -> int:
    log = state / "sim" / "locker-B-pulses.jsonl"
    return len(log.read_text().splitlines()) if log.exists() else 0


@pytest.fixture
def office(tmp_path):
    system = build_system(parse_config({"role": "office", "state_dir": str(tmp_path / "office")}))
    system.office.ensure_lane("lane-2", "Lajur 2")
    key = system.office.create_api_key("lane", lane_id="lane-2")
    with LiveServer(system) as server:
        yield system, server, key


@pytest.mark.parametrize("kill_at, outcome", [("after-act", "opened"), ("after-journal", "uncertain")])
def test_a_lane_killed_mid_command_never_runs_it_again(tmp_path, office, kill_at, outcome):
    system, server, key = office
    state = tmp_path / "lane"
    config_path = tmp_path / "lane.toml"
    config_path.write_text(LANE_TOML.format(state=state, url=server.url, key=key))
    command_id = system.commands.queue(
        "lane-2", "open_door", {"bank": "B", "door": 2}, actor="user:1", reason="load", deadline_s=60
    )
    child = subprocess.run([sys.executable, "-c", CHILD, str(config_path), kill_at], timeout=60)
    assert child.returncode == -signal.SIGKILL
    pulsed = pulses(state)
    assert pulsed == (1 if kill_at == "after-act" else 0)
    assert system.commands.get(command_id)["state"] == "taken"  # the office never heard back

    lane = build_system(load_config(config_path))  # the lane starts again
    poller = lane.command_poller
    poller.wait_s = 0.2
    poller.poll_once()  # announces, posts what the journal owes, long-polls (nothing more)
    row = system.commands.get(command_id)
    assert row["state"] == "done" and row["result"]["outcome"] == outcome, row
    # handed the same command again (an office retry, a duplicate answer): answered from the journal
    again = poller.runner({**row, "office_time": system.commands.clock()})
    assert again["outcome"] == outcome
    assert pulses(state) == pulsed  # never a second actuation
    lane.lane.journal.close()


def test_a_command_taken_after_its_deadline_is_not_run(tmp_path, office):
    system, server, key = office
    state = tmp_path / "lane"
    config_path = tmp_path / "lane.toml"
    config_path.write_text(LANE_TOML.format(state=state, url=server.url, key=key))
    lane = build_system(load_config(config_path))
    poller = lane.command_poller
    command_id = system.commands.queue(
        "lane-2", "open_door", {"bank": "B", "door": 1}, actor="user:1", reason="load", deadline_s=5
    )
    (offered,) = poller.link.take_commands(wait=1)["commands"]
    answer = poller.link.take_command(offered["id"])
    command = answer["command"]
    # the lane's clock: the answer arrived, then the lane stalled past what was left (5 s)
    received = poller.runner.monotonic() - 6.0
    result = poller.runner({**command, "office_time": answer["office_time"]}, received_at=received)
    assert result["outcome"] == "expired"
    assert pulses(state) == 0
    poller._post(command_id, result)
    assert system.commands.get(command_id)["state"] == "failed"
    assert json.dumps(system.commands.get(command_id)["result"]).count("deadline") == 1
    lane.lane.journal.close()
