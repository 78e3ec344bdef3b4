"""A door self-test on a door holding an item awaiting pickup needs an explicit confirmation and
a reason, and is recorded in that document's history (issue 13); an empty door needs neither."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from tests.rigs.server import LiveServer
from tests.web.helpers import browser, login, post_form

PASSWORD = "teknisi-rahasia-2026"


def outcome(response) -> dict:
    return {k: v[0] for k, v in parse_qs(urlparse(response.headers["location"]).query).items()}


def test_a_door_holding_an_item_opens_for_a_test_only_confirmed_with_a_reason(build):
    system = build()
    system.accounts.create_user("tek", PASSWORD, "technician")
    doc = system.office.create_document(
        kind="locker", title="KTP-el", actor="test", locker_bank="A", door=2, loaded_at=1.0
    )
    system.office.mark_ready(doc["id"], actor="test")
    bank = system.lane.lockers["A"]
    with LiveServer(system) as server, browser(server.url) as tech:
        assert login(tech, "tek", PASSWORD).status_code == 303

        def door_test(door: str, **extra):
            form = {"test": "door", "bank": "A", "door": door, **extra}
            return outcome(
                post_form(tech, "/dashboard/lanes/lane-1", "/dashboard/lanes/lane-1/selftest", form)
            )

        assert door_test("3")["outcome"] == "ok"  # an empty door: no confirmation needed
        for extra in (
            {},
            {"confirm_held": "1"},
            {"reason": "sensor check"},
            {"confirm_held": "1", "reason": " "},
        ):
            refused = door_test("2", **extra)
            assert refused["outcome"] == "failed" and refused["error"] == "locker.door_taken", extra
        assert [d for d, _ms, _at in bank.pulses] == [3]  # door 2 never pulsed
        assert door_test("2", confirm_held="1", reason="sensor check")["outcome"] == "ok"
        assert [d for d, _ms, _at in bank.pulses] == [3, 2]
    (record,) = [
        h
        for h in system.office.get_document(doc["id"])["history"]
        if h["action"] == "locker.door_opened_for_test"
    ]
    assert record["detail"]["reason"] == "sensor check" and record["actor"].startswith("user:")


def test_the_lane_api_and_ambil_selftest_refuse_a_held_door_too(build):
    """``POST /api/v1/lane/selftest`` (a technician's key, or ``ambil selftest`` on the Pi itself)
    passes the same check as the dashboard: it is the fleet's, not the page's."""
    from web.cli import build_parser

    system = build()
    doc = system.office.create_document(
        kind="locker", title="KTP-el", actor="test", locker_bank="A", door=2, loaded_at=1.0
    )
    system.office.mark_ready(doc["id"], actor="test")
    bank = system.lane.lockers["A"]
    key = system.office.create_api_key("technician", label="tek")
    with LiveServer(system) as server, browser(server.url) as api:
        api.headers["Authorization"] = f"Bearer {key}"
        for extra in ({}, {"confirm_held": True}, {"reason": "sensor check"}):
            refused = api.post(
                "/api/v1/lane/selftest", json={"test": "door", "bank": "A", "door": 2, **extra}
            )
            assert refused.status_code == 409 and refused.json()["error"] == "locker.door_taken", extra
        cli = build_parser().parse_args(
            ["selftest", "door", "--bank", "A", "--door", "2", "--url", server.url]
        )
        assert cli.func(cli) == 2  # the Pi's own CLI (loopback, no key) is refused as well
        assert bank.pulses == []
        opened = api.post(
            "/api/v1/lane/selftest",
            json={"test": "door", "bank": "A", "door": 2, "confirm_held": True, "reason": "sensor check"},
        )
        assert opened.status_code == 200 and opened.json()["outcome"] == "ok", opened.text
        cli = build_parser().parse_args(
            ["selftest", "door", "--bank", "A", "--door", "2", "--url", server.url]
            + ["--confirm-held", "--reason", "hinge"]
        )
        assert cli.func(cli) == 0
    assert [d for d, _ms, _at in bank.pulses] == [2, 2]
    records = [
        h
        for h in system.office.get_document(doc["id"])["history"]
        if h["action"] == "locker.door_opened_for_test"
    ]
    assert [r["detail"]["reason"] for r in records] == ["sensor check", "hinge"]
    assert [r["actor"] for r in records] == ["technician:tek", "local:local"]  # who opened it
