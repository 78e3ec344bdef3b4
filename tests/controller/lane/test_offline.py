"""Offline releases: the decision on a real journal, and the whole lane with the office away."""

from __future__ import annotations

import json
import time
import uuid

import pytest

from controller.kernel.clock import TrustedClock
from controller.kernel.errors import DocumentError
from controller.kernel.grants import Grant
from controller.lane.journal import Journal
from controller.lane.offline import OfflineStore, Refusal
from tests.controller.lane.conftest import (
    FlakyOffice,
    issue_locker,
    issue_print,
    past_repeat_window,
    wait_done,
)
from tests.rigs.wait import wait_for

NOW = 1_800_000_000.0  # a fixed "office time" for the unit tests


class Clocks:
    """A settable wall clock and monotonic clock."""

    def __init__(self, wall: float):
        self.wall, self.mono = wall, 1000.0

    def advance(self, seconds: float) -> None:
        self.wall += seconds
        self.mono += seconds


def pickup(n: int, **over) -> dict:
    row = {
        "code_hash": f"{n:064x}",
        "pickup_id": n,
        "document_id": 100 + n,
        "kind": "locker",
        "locker_bank": "A",
        "door": n,
        "expires_at": NOW + 86400,
        "requires_pin": False,
        "version": "v1",
        "load_id": f"{100 + n}@1",
        "door_load_id": f"{100 + n}@1",
    }
    return {**row, **over}


@pytest.fixture
def store(tmp_path):
    clocks = Clocks(NOW)
    journal = Journal(tmp_path / "journal.db")
    offline = OfflineStore(journal, banks=["A"], grace_seconds=3600, monotonic=lambda: clocks.mono)
    offline.clock = TrustedClock(offline, wall=lambda: clocks.wall, monotonic=lambda: clocks.mono)
    offline.clocks = clocks
    yield offline
    journal.close()


def offline_release(store: OfflineStore, n: int, claim_id: str | None = None) -> Grant | Refusal:
    claim_id = claim_id or uuid.uuid4().hex
    store.journal.claiming(claim_id, f"{n:064x}")
    decision = store.grant(claim_id=claim_id, code_hash=f"{n:064x}")
    if isinstance(decision, Grant):
        store.journal.intent(claim_id, {"kind": "door", "bank": "A", "door": n})
        store.journal.done(claim_id, "released", "door opened")
    else:
        store.journal.done(claim_id, "abandoned", "office.unreachable")
    return decision


def test_grants_only_synced_own_unexpired_pickups_once(store):
    store.replace(
        [
            pickup(1),
            pickup(2, locker_bank="B"),
            pickup(3, expires_at=NOW - 1),
            pickup(4, requires_pin=True),
            pickup(5, kind="print", locker_bank=None, door=None),
        ],
        office_time=NOW,
    )
    assert isinstance(offline_release(store, 1), Grant)
    assert offline_release(store, 1) == Refusal("already_released")
    assert offline_release(store, 2) == Refusal("other_lane")
    assert offline_release(store, 3) == Refusal("expired")
    assert offline_release(store, 4) == Refusal("needs_office")
    assert offline_release(store, 5) == Refusal("needs_office")
    assert offline_release(store, 9) == Refusal("not_synced")
    assert store.released_offline(f"{1:064x}") and not store.released_offline(f"{2:064x}")
    # offline claims wait for reconciliation, not for the Reporter
    (pending,) = store.unreconciled()
    assert pending["pickup_id"] == 1 and pending["outcome"] == "released"
    assert pending["claim_id"] not in [r.claim_id for r in store.journal.unreported()]


def test_a_failed_offline_release_may_be_tried_again(store):
    store.replace([pickup(1)], office_time=NOW)
    store.journal.claiming("c1-failed", f"{1:064x}")
    assert isinstance(store.grant(claim_id="c1-failed", code_hash=f"{1:064x}"), Grant)
    store.journal.done("c1-failed", "failed", "pulse: relay-failed")  # nothing actuated
    assert isinstance(offline_release(store, 1), Grant)
    assert offline_release(store, 1) == Refusal("already_released")


def test_grace_period_runs_out(store):
    store.replace([pickup(1), pickup(2)], office_time=NOW)
    store.clocks.advance(3500)
    assert isinstance(offline_release(store, 1), Grant)
    store.clocks.advance(200)  # 3700 s since the last sync > 3600 s grace
    assert offline_release(store, 2) == Refusal("grace_over")
    assert store.status()["within_grace"] is False
    store.replace([pickup(2)], office_time=NOW + 3700)  # a new sync opens it again
    assert isinstance(offline_release(store, 2), Grant)


def test_never_synced_grants_nothing(tmp_path):
    journal = Journal(tmp_path / "j.db")
    store = OfflineStore(journal, banks=["A"])
    journal.claiming("c-never", "ab" * 32)
    assert store.grant(claim_id="c-never", code_hash="ab" * 32) == Refusal("not_synced")
    journal.close()


def test_a_clock_set_to_2001_does_not_accept_expired_codes(store, tmp_path):
    store.replace([pickup(1, expires_at=NOW + 600), pickup(2, expires_at=NOW + 7200)], office_time=NOW)
    store.clocks.advance(1200)  # the code of pickup 1 expired 600 s ago ...
    store.clocks.wall = 978_307_200.0  # ... and the system clock jumps to 2001-01-01
    assert store.clock.now() >= NOW + 1200
    assert offline_release(store, 1) == Refusal("expired")
    assert isinstance(offline_release(store, 2), Grant)
    assert store.clock.status()["synchronised"] is False
    # after a reboot with the clock still in 2001, the persisted floor still refuses it
    store.clock.persist()
    reborn = OfflineStore(store.journal, banks=["A"], grace_seconds=3600)
    reborn.clock = TrustedClock(reborn, wall=lambda: 978_307_200.0, monotonic=lambda: 5.0)
    assert reborn.clock.now() >= NOW + 1200
    store.journal.claiming("c-reboot", f"{1:064x}")
    assert reborn.grant(claim_id="c-reboot", code_hash=f"{1:064x}") == Refusal("expired")


def test_an_online_release_since_the_snapshot_blocks_the_offline_one(store):
    store.replace([pickup(1), pickup(2)], office_time=NOW)
    store.journal.claiming("online-1", f"{1:064x}")  # released online by code
    store.journal.intent("online-1", {"kind": "door"})
    store.journal.done("online-1", "released")
    store.note_consumed(2)  # released online by short code (the journal has no hash then)
    store.replace([pickup(1), pickup(2)], office_time=NOW + 5)  # a snapshot fetched just before
    assert offline_release(store, 1) == Refusal("already_released")
    assert offline_release(store, 2) == Refusal("already_released")


def test_the_synced_set_in_the_journal_holds_hashes_not_codes(make_system):
    system = make_system()
    lane, office = system.lane, system.office
    _, code = issue_locker(office, door=1)
    issue_print(office)
    assert lane.sync.sync_once()
    rows = lane.journal.query("SELECT * FROM offline_pickups")
    assert len(rows) == 1  # the locker pickup; the print one needs the office for its PDF
    dump = json.dumps(rows) + lane.journal.path.read_bytes().decode("latin-1")
    assert code not in dump and "AMB1" not in dump
    status = lane.status()
    assert status["clock"]["synchronised"] is True and abs(status["clock"]["skew_s"]) < 5
    assert status["offline"]["synced_pickups"] == 1


def test_lane_releases_offline_and_reconciles_when_the_office_returns(make_system):
    probe = make_system(start=False)
    office = probe.office
    flaky = FlakyOffice(office, "lane-1")
    system = make_system(
        drivers={"office_link": flaky},
        state_dir=probe.config.state_dir,
        dedupe_seconds=0.1,
        sync_seconds=0.2,
    )
    lane = system.lane
    doc_id, code = issue_locker(office, door=2)
    print_doc, print_code = issue_print(office)
    wait_for(lambda: lane.status()["offline"]["synced_pickups"] == 1, what="synced")
    flaky.down = True
    lane.simulate_scan(text=code)
    (release,) = wait_done(lane)
    assert release.outcome == "released"
    assert [door for door, _ms, _at in lane.lockers["A"].pulses] == [2]
    past_repeat_window(lane)
    lane.simulate_scan(text=code)  # shown again while offline: nothing moves
    lane.simulate_scan(text=print_code)  # a print needs the office
    rows = wait_done(lane, 3)
    assert [r.outcome for r in rows] == ["released", "refused", "abandoned"]
    assert len(lane.lockers["A"].pulses) == 1 and lane.printer.printed == []
    assert office.get_document(doc_id)["state"] == "ready"  # the office does not know yet
    assert lane.status()["offline"]["unreconciled"] == 1
    flaky.down = False
    wait_for(lambda: office.get_document(doc_id)["state"] == "released", what="reconciled")
    wait_for(lambda: lane.status()["offline"]["unreconciled"] == 0, what="acknowledged")
    history = [h["action"] for h in office.get_document(doc_id)["history"]]
    assert "pickup.released" in history and "offline.conflict" not in history
    past_repeat_window(lane)
    lane.simulate_scan(text=code)  # online now: the office refuses it
    rows = wait_done(lane, 4)
    assert rows[-1].outcome == "refused" and len(lane.lockers["A"].pulses) == 1
    assert office.verify_audit().ok


def test_the_load_id_of_the_pickup_must_be_its_doors(store):
    """The second belt: a synced pickup whose load is not the one its door holds is never granted."""
    store.replace(
        [pickup(1, load_id="101@1", door_load_id="107@9"), pickup(2, load_id=None, door_load_id=None)],
        office_time=NOW,
    )
    assert offline_release(store, 1) == Refusal("load_mismatch")
    assert offline_release(store, 2) == Refusal("load_mismatch")


def _offline_lane(make_system, **lane):
    probe = make_system(start=False)
    office = probe.office
    flaky = FlakyOffice(office, "lane-1")
    system = make_system(
        drivers={"office_link": flaky},
        state_dir=probe.config.state_dir,
        dedupe_seconds=0.1,
        sync_seconds=0.2,
        **lane,
    )
    return system, flaky


def _load(system, door: int, title: str) -> int:
    doc = system.office.create_document(kind="locker", title=title, actor="staff", door_size="M")
    lane_id = system.lockers.assign_door(doc["id"], "A", door, actor="staff")
    answer = system.lane_control.open_door(lane_id, "A", door, actor="staff", reason="load")
    assert answer["outcome"] in ("opened", "not_detected"), answer
    system.lockers.confirm_loaded(doc["id"], actor="staff", door_closed=None)
    return doc["id"]


def test_staff_cannot_reload_a_cancelled_door_while_the_lane_is_offline(make_system):
    """Defect 5 as reproduced: the lane syncs, the link is lost, staff cancel X and load Y into
    the same door. The door is to_retrieve, then waits for the lane's next sync: Y cannot go in."""
    system, flaky = _offline_lane(make_system)
    office, lane = system.office, system.lane
    doc_x, _code_x = issue_locker(office, door=2)
    wait_for(lambda: lane.status()["offline"]["synced_pickups"] == 1, what="synced")
    flaky.down = True
    office.cancel(doc_x, "staff")
    doc_y = office.create_document(kind="locker", title="Paspor", actor="staff", door_size="M")
    with pytest.raises(DocumentError) as err:
        system.lockers.assign_door(doc_y["id"], "A", 2, actor="staff")
    assert err.value.key == "locker.to_retrieve"
    system.lockers.mark_retrieved(doc_x, actor="staff")
    with pytest.raises(DocumentError) as err:
        system.lockers.assign_door(doc_y["id"], "A", 2, actor="staff")
    assert err.value.key == "locker.awaiting_sync"
    assert system.lockers.suggest_door("M") != ("A", 2)
    flaky.down = False
    wait_for(lambda: system.lockers.bank("A").doors[1].state == "free", what="door free after the sync")
    assert system.lockers.assign_door(doc_y["id"], "A", 2, actor="staff") == "lane-1"


def test_a_stale_snapshot_never_opens_a_door_reloaded_since(make_system):
    """Defect 5, the stale snapshot: X still appears in the lane's snapshot, but staff loaded Y
    into X's door since (here the office saw the lane's grace run out, as with a lane clock set
    back). X's code at the offline lane is refused and the door is not pulsed again."""
    system, flaky = _offline_lane(make_system)
    office, lane = system.office, system.lane
    bank = lane.lockers["A"]
    doc_x, code_x = issue_locker(office, door=2)
    wait_for(lambda: lane.status()["offline"]["synced_pickups"] == 1, what="synced")
    flaky.down = True
    office.cancel(doc_x, "staff")
    if system.lockers.bank("A").doors[1].state == "to_retrieve":
        system.lockers.mark_retrieved(doc_x, actor="staff")
    grace = system.config.lane.offline_grace_seconds
    system.lockers.clock = lambda: time.time() + grace + 60  # the office: the lane's grace is over
    doc_y = _load(system, 2, "Paspor")
    office.mark_ready(doc_y, "staff")
    assert [door for door, _ms, _at in bank.pulses] == [2]  # opened for loading Y
    assert lane.status()["offline"]["within_grace"] is True  # the lane still trusts its snapshot
    lane.simulate_scan(text=code_x)
    (release,) = wait_done(lane, 2)[1:]
    assert release.outcome in ("abandoned", "refused"), release
    assert [door for door, _ms, _at in bank.pulses] == [2]  # X's code opened nothing
