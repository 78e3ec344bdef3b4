"""The release protocol on simulated devices with the real office on SQLite."""

from __future__ import annotations

import time

from tests.controller.lane.conftest import (
    FlakyOffice,
    all_reads_handled,
    issue_locker,
    issue_print,
    past_repeat_window,
    wait_done,
    wait_state,
)
from tests.rigs.screen_log import ScreenLog
from tests.rigs.wait import wait_for


def test_print_path_releases_once_and_shows_progress(make_system):
    system = make_system()
    lane, office = system.lane, system.office
    seen = []
    lane.screen.subscribe(lambda view: seen.append((view.state, dict(view.detail))))
    doc_id, code = issue_print(office, pages=3)
    lane.simulate_scan(text=code)
    (release,) = wait_done(lane)
    assert release.outcome == "released"
    wait_for(lambda: office.get_document(doc_id)["state"] == "released", what="released at the office")
    assert len(lane.printer.printed) == 1
    printing = [d for s, d in seen if s == "printing"]
    assert printing and printing[-1]["pages"] == 3
    assert "take_document" in [s for s, _ in seen]
    wait_for(lambda: not lane.journal.unreported(), what="report acknowledged")
    assert office.verify_audit().ok


def test_locker_path_pulses_the_right_door_and_sees_it_open(make_system):
    system = make_system()
    lane, office = system.lane, system.office
    seen = []
    lane.screen.subscribe(seen.append)
    doc_id, code = issue_locker(office, door=3)
    lane.simulate_scan(text=code)
    (release,) = wait_done(lane)
    assert release.outcome == "released", release.detail
    bank = lane.lockers["A"]
    assert [door for door, _ms, _at in bank.pulses] == [3]
    door_open = [v for v in seen if v.state == "door_open"]
    assert door_open and door_open[0].detail["door"] == 3
    assert (door_open[0].detail["row"], door_open[0].detail["column"]) == (1, 3)  # door 3 of 4 columns
    wait_for(lambda: office.get_document(doc_id)["state"] == "released", what="released at the office")


def test_same_code_again_is_refused_and_nothing_moves(make_system):
    system = make_system(dedupe_seconds=0.2)
    lane, office = system.lane, system.office
    _, code = issue_locker(office, door=1)
    seen = []
    lane.screen.subscribe(seen.append)
    lane.simulate_scan(text=code)
    wait_done(lane)
    wait_for(lambda: not lane.journal.unreported(), what="the release reported to the office")
    past_repeat_window(lane)  # this is a second showing, not a repeat read
    lane.simulate_scan(text=code)
    rows = wait_done(lane, 2)
    assert rows[1].outcome == "refused"
    assert "code.already_released" in rows[1].detail
    assert "code.already_released" in [v.reason for v in seen]  # and the screen said so
    assert len(lane.lockers["A"].pulses) == 1


def test_unknown_expired_and_cancelled_codes_are_refused_with_their_reason(make_system):
    from controller.kernel.codes import new_code

    system = make_system(dedupe_seconds=0.05)
    lane, office = system.lane, system.office
    expired_doc, expired = issue_print(office)
    with office.engine.begin() as conn:  # age the pickup past its expiry
        from controller.office.db.tables import pickups

        conn.execute(pickups.update().where(pickups.c.document_id == expired_doc).values(expires_at=1.0))
    cancelled_doc, cancelled = issue_print(office)
    office.cancel(cancelled_doc, "test")
    cases = [(new_code(), "code.unknown"), (expired, "code.expired"), (cancelled, "code.revoked")]
    shown = ScreenLog(lane.screen)  # each refusal shows 0.3 s: polling the screen could miss it
    for number, (code, reason) in enumerate(cases, start=1):
        lane.simulate_scan(text=code)
        rows = wait_done(lane, number)
        assert rows[-1].outcome == "refused"
        assert reason in rows[-1].detail
        shown.wait(state="refused", reason=reason)
    assert lane.printer.printed == []


def test_a_code_read_twenty_times_in_two_seconds_makes_one_claim(make_system):
    system = make_system()
    lane, office = system.lane, system.office
    _, code = issue_print(office, pages=1)
    for _ in range(20):
        lane.on_read(code)
        time.sleep(0.1)  # a scanner reading the phone ten times a second: the test's input
    wait_done(lane)
    all_reads_handled(lane)
    assert len(lane.journal.recent(100)) == 1
    assert lane.counters.repeats == 19
    assert len(lane.printer.printed) == 1


def test_garbage_text_is_refused_as_malformed(make_system):
    system = make_system()
    lane = system.lane
    shown = ScreenLog(lane.screen)
    lane.simulate_scan(text="https://example.com/not-ours")
    shown.wait(state="refused", reason="code.malformed")
    assert lane.journal.recent() == []


def test_office_unreachable_releases_nothing_and_recovers(make_system):
    probe = make_system(start=False)  # to reach the office before the lane is built
    office = probe.office
    flaky = FlakyOffice(office, "lane-1")
    # No offline releases here (tests/controller/lane/test_offline.py has them): with a grace
    # period the outcome would hang on whether the lane's sync thread fetched the new pickup
    # before the scan, which a busy machine decides either way.
    system = make_system(
        drivers={"office_link": flaky},
        state_dir=probe.config.state_dir,
        dedupe_seconds=0.2,
        offline_grace_seconds=0,
    )
    lane = system.lane
    lane.settings.status_interval = 0.2
    doc_id, code = issue_locker(system.office, door=2)
    flaky.down = True
    lane.simulate_scan(text=code)
    (release,) = wait_done(lane)
    assert release.outcome == "abandoned"
    wait_state(lane, "offline")
    assert lane.lockers["A"].pulses == []
    flaky.down = False
    wait_state(lane, "ready")
    past_repeat_window(lane)
    lane.simulate_scan(text=code)
    rows = wait_done(lane, 2)
    assert rows[-1].outcome == "released"
    wait_for(lambda: system.office.get_document(doc_id)["state"] == "released", what="released at the office")


def test_no_log_line_holds_a_code_or_short_code(make_system, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    system = make_system()
    lane, office = system.lane, system.office
    doc = office.create_document(
        kind="locker", title="KTP-el", locker_bank="A", door=4, actor="test", loaded_at=time.time()
    )
    issued = office.mark_ready(doc["id"], "test")
    lane.simulate_scan(text=issued.code)
    lane.simulate_scan(text=issued.code + "X")  # a malformed read of it
    wait_done(lane)
    all_reads_handled(lane, before=1)  # the malformed read too, logged by now
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "claim" in text  # the release was logged...
    assert issued.code not in text and issued.code[4:20] not in text  # ...without the code
    assert issued.short_code not in text
