"""Lane behaviour for field situations: the PIN of sensitive documents, wrong short codes, a stuck
locker door going out of service while the others keep serving."""

from __future__ import annotations

import time

from tests.conftest import make_pdf
from tests.controller.lane.conftest import issue_locker, past_repeat_window, wait_done
from tests.rigs.screen_log import ScreenLog
from tests.rigs.wait import wait_for


def uncertain_at_office(office) -> dict:
    """The one uncertain document, once the lane's report reached the office (it is sent after
    the journal has the outcome, by the reporter thread)."""
    (doc,) = wait_for(lambda: office.list_documents(state="uncertain"), what="the uncertain release reported")
    return doc


def sensitive_kind(system) -> int:
    return next(k.id for k in system.kinds.list() if k.second_factor and k.delivery == "locker")


def test_a_sensitive_document_needs_its_pin_after_the_qr(make_system):
    system = make_system(dedupe_seconds=0.2)
    lane, office = system.lane, system.office
    doc = office.create_document(
        kind="locker",
        title="Paspor",
        locker_bank="A",
        door=2,
        actor="t",
        loaded_at=time.time(),
        kind_id=sensitive_kind(system),
    )
    issued = office.mark_ready(doc["id"], "t")
    assert issued.pin and len(issued.pin) == 6
    shown = ScreenLog(lane.screen)  # result views show 0.3 s: polling the screen could miss them
    lane.simulate_scan(text=issued.code)
    shown.wait(state="pin_entry")
    assert lane.lockers["A"].pulses == []  # nothing opens on the QR alone
    wrong = "000000" if issued.pin != "000000" else "111111"
    lane.enter_pin(wrong)
    refused = shown.wait(state="refused", reason="code.pin_wrong")
    assert lane.lockers["A"].pulses == []
    past_repeat_window(lane)
    lane.simulate_scan(text=issued.code)  # show the QR again, then the right PIN
    shown.wait(state="pin_entry", after=refused.seq)
    lane.enter_pin(issued.pin)
    wait_for(lambda: office.get_document(doc["id"])["state"] == "released", what="released with PIN")
    assert [d for d, _ms, _at in lane.lockers["A"].pulses] == [2]


def test_a_pin_not_typed_in_time_is_refused(make_system):
    system = make_system()
    lane = system.lane
    shown = ScreenLog(lane.screen)
    lane.enter_pin("123456")  # no QR shown first
    shown.wait(state="refused", reason="code.pin_expired")


def test_five_wrong_short_codes_lock_the_lane_out(make_system):
    system = make_system()
    lane, office = system.lane, system.office
    doc_id, _code = issue_locker(office, door=1)
    for attempt in range(5):
        lane.enter_short_code(f"{attempt:010d}")
        wait_done(lane, attempt + 1)
    reasons = [r.detail.split(":")[0] for r in sorted(lane.journal.recent(10), key=lambda r: r.created_at)]
    assert reasons[:4] == ["code.unknown"] * 4 and reasons[4] == "code.locked_out"
    assert office.get_document(doc_id)["state"] == "ready"  # the pickup itself is untouched
    assert lane.status()["counters"]["outcomes"]["refused"] == 5


def test_a_stuck_door_goes_out_of_service_and_the_others_keep_serving(make_system):
    system = make_system(
        dedupe_seconds=0.2, lockers=[{"type": "sim", "id": "A", "doors": 4, "stuck_doors": [2]}]
    )
    lane, office = system.lane, system.office
    _, first = issue_locker(office, door=2)
    lane.simulate_scan(text=first)
    assert wait_done(lane)[0].outcome == "uncertain"  # pulsed, never seen open
    office.resolve_uncertain(uncertain_at_office(office)["id"], "staff", released=False)
    past_repeat_window(lane)
    lane.simulate_scan(text=first)
    assert wait_done(lane, 2)[-1].outcome == "uncertain"
    watch = lane.outputs.door_watches["A"]
    assert watch.out_of_service() == {2}
    pulses_before = len(lane.lockers["A"].pulses)
    office.resolve_uncertain(uncertain_at_office(office)["id"], "staff", released=False)
    past_repeat_window(lane)
    lane.simulate_scan(text=first)
    third = wait_done(lane, 3)[-1]
    assert (third.outcome, third.detail.split(":")[0]) == ("failed", "door.out_of_service")
    assert len(lane.lockers["A"].pulses) == pulses_before  # an out-of-service door is not pulsed
    _, other = issue_locker(office, door=3)
    lane.simulate_scan(text=other)
    assert wait_done(lane, 4)[-1].outcome == "released"
    assert "out_of_service" in [a["kind"] for a in lane.status()["doors"]["recent_alarms"]]


def test_print_progress_reaches_the_screen_page_by_page(make_system):
    system = make_system(printer={"type": "sim", "seconds_per_page": 0.15})
    lane, office = system.lane, system.office
    pages = []
    lane.screen.subscribe(lambda v: pages.append(v.detail.get("page")) if v.state == "printing" else None)
    doc = office.create_document(kind="print", title="Akta", pdf=make_pdf(4), actor="t")
    lane.simulate_scan(text=office.mark_ready(doc["id"], "t").code)
    assert wait_done(lane)[0].outcome == "released"
    shown = [p for p in pages if isinstance(p, int) and p > 0]
    assert shown == sorted(shown) and shown[-1] == 4 and len(set(shown)) >= 3
