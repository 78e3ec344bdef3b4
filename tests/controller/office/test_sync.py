"""The office side of lane sync: the snapshot, and reconciling offline releases (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import time

from sqlalchemy import func, select

from controller.kernel.codes import code_hash
from controller.office.db.tables import audit_log, claims, documents, pickups
from controller.office.sync import OfficeSync


def locker_doc(office, door: int, bank: str = "bank-a") -> tuple[int, str]:
    doc = office.create_document(
        kind="locker", title="KTP-el", locker_bank=bank, door=door, actor="test", loaded_at=time.time()
    )
    return doc["id"], office.mark_ready(doc["id"], "test").code


def offline(code: str, claim_id: str, office, outcome: str = "released") -> dict:
    return {
        "claim_id": claim_id,
        "code_hash": code_hash(code),
        "outcome": outcome,
        "detail": "door opened",
        "released_at": office.clock() - 5,
    }


def db_state(office) -> tuple:
    """Everything reconciliation could change."""
    with office.engine.connect() as conn:
        return (
            conn.execute(select(pickups).order_by(pickups.c.id)).all(),
            conn.execute(select(documents.c.id, documents.c.state).order_by(documents.c.id)).all(),
            conn.execute(select(claims).order_by(claims.c.claim_id)).all(),
            conn.execute(select(func.count()).select_from(audit_log)).scalar(),
        )


def test_snapshot_has_this_lanes_ready_locker_pickups_as_hashes_only(office, pdf, clock):
    office.ensure_locker_bank("bank-b", "lane-2", doors=4)
    doc_a, code_a = locker_doc(office, 1)
    _doc_b, code_b = locker_doc(office, 1, bank="bank-b")
    cancelled, code_c = locker_doc(office, 2)
    office.cancel(cancelled, "test")
    printed = office.create_document(kind="print", title="Akta", pdf=pdf, actor="test")
    print_code = office.mark_ready(printed["id"], "test").code
    snap = OfficeSync(office).snapshot("lane-1")
    assert snap["office_time"] == clock()
    (row,) = snap["pickups"]
    assert row["code_hash"] == code_hash(code_a) and row["document_id"] == doc_a
    assert set(row) == {
        "code_hash",
        "pickup_id",
        "document_id",
        "kind",
        "locker_bank",
        "door",
        "expires_at",
        "requires_pin",
        "version",
        "load_id",
        "door_load_id",
    }
    text = json.dumps(snap)
    for code in (code_a, code_b, code_c, print_code):
        assert code not in text
    assert "AMB1" not in text
    clock.advance(15 * 86400)  # past the expiry: nothing left to release offline
    assert OfficeSync(office).snapshot("lane-1")["pickups"] == []


def test_reconcile_applies_a_ready_pickup_and_a_second_time_changes_nothing(office):
    doc_id, code = locker_doc(office, 1)
    sync = OfficeSync(office)
    (verdict,) = sync.reconcile("lane-1", [offline(code, "offline-claim-1", office)])
    assert verdict["result"] == "applied"
    described = office.get_document(doc_id)
    assert described["state"] == "released" and described["pickup"]["state"] == "released"
    before = db_state(office)
    (again,) = sync.reconcile("lane-1", [offline(code, "offline-claim-1", office)])
    assert again["result"] == "duplicate"
    assert db_state(office) == before
    assert office.verify_audit().ok


def test_cancelled_and_reissued_while_offline_are_conflicts_for_staff(office):
    cancelled, code_c = locker_doc(office, 1)
    office.cancel(cancelled, "staff")
    reissued, code_r = locker_doc(office, 2)
    new_code = office.reissue(reissued, "staff").code
    sync = OfficeSync(office)
    verdicts = sync.reconcile(
        "lane-1", [offline(code_c, "offline-claim-c", office), offline(code_r, "offline-claim-r", office)]
    )
    assert [v["result"] for v in verdicts] == ["conflict", "conflict"]
    assert "after it was cancelled" in verdicts[0]["detail"] and "lane-1" in verdicts[0]["detail"]
    assert "after it was reissued" in verdicts[1]["detail"]
    for doc_id in (cancelled, reissued):
        described = office.get_document(doc_id)
        assert described["state"] == "uncertain"
        assert "offline.conflict" in [h["action"] for h in described["history"]]
    # the reissued code must not open the door the offline release emptied
    with office.engine.connect() as conn:
        state = conn.execute(
            select(pickups.c.state).where(pickups.c.code_hash == code_hash(new_code))
        ).scalar()
    assert state == "revoked"
    before = db_state(office)
    again = sync.reconcile(
        "lane-1", [offline(code_c, "offline-claim-c", office), offline(code_r, "offline-claim-r", office)]
    )
    assert [v["result"] for v in again] == ["duplicate", "duplicate"]
    assert db_state(office) == before
    # staff settle it like any uncertain release
    office.resolve_uncertain(cancelled, "staff", released=True)
    assert office.get_document(cancelled)["state"] == "released"
    # "it was not collected" never revives a code that was revoked before the offline release
    office.resolve_uncertain(reissued, "staff", released=False)
    assert office.get_document(reissued)["state"] == "cancelled"
    with office.engine.connect() as conn:
        states = (
            conn.execute(
                select(pickups.c.state).where(pickups.c.document_id == reissued).order_by(pickups.c.id)
            )
            .scalars()
            .all()
        )
    assert "ready" not in states and "claimed" not in states


def test_expired_before_the_release_is_a_conflict(office, clock):
    doc_id, code = locker_doc(office, 1)
    item = offline(code, "offline-claim-x", office)
    item["released_at"] = clock() + 15 * 86400  # after expiry (clamped to the office's now...)
    clock.advance(15 * 86400)
    (verdict,) = OfficeSync(office).reconcile("lane-1", [item])
    assert verdict["result"] == "conflict" and "expired" in verdict["detail"]


def test_only_the_lane_owning_the_locker_may_report_an_offline_release(office, pdf):
    doc_id, code = locker_doc(office, 2)  # bank-a belongs to lane-1
    printed = office.create_document(kind="print", title="Akta", pdf=pdf, actor="test")
    print_code = office.mark_ready(printed["id"], "test").code
    online = locker_doc(office, 3)[1]
    office.claim(code_hash=code_hash(online), claim_id="online-claim-1", lane_id="lane-1")
    before = db_state(office)
    bogus = [
        offline(code, "bogus-offline-1", office),  # another lane's locker
        offline(code, "bogus-offline-2", office, outcome="uncertain"),
        offline(print_code, "bogus-offline-3", office),  # a print pickup: never released offline
        offline(online, "online-claim-1", office),  # lane-1's live claim id
    ]
    verdicts = OfficeSync(office).reconcile("lane-2", bogus)
    assert [(v["result"], v["detail"]) for v in verdicts] == [("refused", "auth.forbidden")] * 4
    after = db_state(office)
    assert after[:3] == before[:3]  # pickups, documents and claims as they were
    assert after[3] == before[3] + 4  # one audit record per refusal
    history = office.get_document(doc_id)["history"]
    assert history[-1]["action"] == "offline.refused" and history[-1]["actor"] == "lane:lane-2"
    # the print's own lane cannot release it offline either
    (own,) = OfficeSync(office).reconcile("lane-1", [offline(print_code, "print-offline-4", office)])
    assert own["result"] == "refused"
    assert office.get_document(printed["id"])["state"] == "ready"
    # and the locker's own lane still can
    (applied,) = OfficeSync(office).reconcile("lane-1", [offline(code, "real-offline-5", office)])
    assert applied["result"] == "applied" and office.get_document(doc_id)["state"] == "released"
    assert office.verify_audit().ok


def test_a_claim_granted_online_then_released_offline_is_one_release(office):
    doc_id, code = locker_doc(office, 1)
    office.claim(code_hash=code_hash(code), claim_id="lost-answer-1", lane_id="lane-1")  # answer lost
    (verdict,) = OfficeSync(office).reconcile("lane-1", [offline(code, "lost-answer-1", office)])
    assert verdict["result"] == "applied"
    assert office.get_document(doc_id)["state"] == "released"


def test_unknown_code_hash_is_refused_not_raised(office):
    (verdict,) = OfficeSync(office).reconcile(
        "lane-1",
        [
            {
                "claim_id": "c-unknown-1",
                "code_hash": "0" * 64,
                "outcome": "released",
                "detail": "",
                "released_at": office.clock(),
            }
        ],
    )
    assert verdict == {"claim_id": "c-unknown-1", "result": "refused", "detail": "code.unknown"}
