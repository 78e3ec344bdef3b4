"""A lane alone (role lane, its office unreachable) refuses its own door self-test on a door its
last sync says holds an item awaiting pickup, unless confirmed with a reason, as the office's
check does (issue 15): over its local API and through ``ambil selftest`` on the Pi itself."""

from __future__ import annotations

import time

from tests.rigs.server import LiveServer
from tests.web.helpers import browser
from web.cli import build_parser

UNREACHABLE = "http://127.0.0.1:9"  # the discard port: nothing answers there


def snapshot(system, *pickups: dict) -> None:
    """The office's last snapshot as the lane synced it before the office went away."""
    rows = [
        {
            "code_hash": f"hash-{p['door']}",
            "pickup_id": p["door"],
            "document_id": 40 + p["door"],
            "kind": "locker",
            "locker_bank": "A",
            "door": p["door"],
            "expires_at": time.time() + 86400,
            "load_id": f"load-{p['door']}",
            "door_load_id": f"load-{p['door']}",
        }
        for p in pickups
    ]
    system.lane.opener.offline.replace(rows, office_time=time.time())


def test_a_lane_alone_refuses_a_held_door_without_confirmation_and_reason(build):
    system = build(role="lane", office_url=UNREACHABLE, api_key="k" * 32)
    assert system.fleet is None  # no office in this process: the lane's own check is the only one
    snapshot(system, {"door": 2}, {"door": 4})
    consumed = system.lane.opener.offline
    consumed.note_consumed(4)  # door 4's item was taken online before the office went away
    bank = system.lane.lockers["A"]
    with LiveServer(system) as server, browser(server.url) as local:
        for extra in (
            {},
            {"confirm_held": True},
            {"reason": "sensor check"},
            {"confirm_held": True, "reason": " "},
        ):
            refused = local.post(
                "/api/v1/lane/selftest", json={"test": "door", "bank": "A", "door": 2, **extra}
            )
            assert refused.status_code == 409 and refused.json()["error"] == "locker.door_taken", extra
        cli = build_parser().parse_args(
            ["selftest", "door", "--bank", "A", "--door", "2", "--url", server.url]
        )
        assert cli.func(cli) == 2
        assert bank.pulses == []  # door 2 never pulsed
        for door in (3, 4):  # an empty door, and one whose item is gone: no confirmation needed
            answer = local.post("/api/v1/lane/selftest", json={"test": "door", "bank": "A", "door": door})
            assert answer.status_code == 200 and answer.json()["outcome"] == "ok", answer.text
            assert answer.json()["office_audit"] == "not_reported"  # run all the same, and said so
        cli = build_parser().parse_args(
            ["selftest", "door", "--bank", "A", "--door", "2", "--url", server.url]
            + ["--confirm-held", "--reason", "hinge"]
        )
        assert cli.func(cli) == 0
        # the lane's journal names the document and the reason of the confirmed opening
        notes = [r[0] for r in system.lane.journal.query("SELECT code_hash FROM releases")]
    assert "service:selftest: document 42: hinge" in notes, notes
    assert [d for d, _ms, _at in bank.pulses] == [3, 4, 2]
