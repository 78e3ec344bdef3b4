"""No claim stays ``claimed`` (DESIGN 5): tombstones for early ``abandoned`` reports, the claim
lease, and the staff's way out. SQLite and PostgreSQL, time from the injected clock."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, text

from controller.kernel.codes import code_hash
from controller.kernel.errors import CodeError, DocumentError
from controller.office.db.tables import pickups
from tests.rigs.server import wait_for

LANE = "lane-1"


def _print_doc(office, pdf):
    doc = office.create_document(kind="print", title="Akta", actor="staff", pdf=pdf)
    return doc["id"], office.mark_ready(doc["id"], "staff")


def _locker_doc(office, door: int = 1):
    doc = office.create_document(
        kind="locker", title="KTP-el", actor="staff", locker_bank="bank-a", door=door, loaded_at=1.0
    )
    return doc["id"], office.mark_ready(doc["id"], "staff")


def _pickup_state(office, doc_id: int) -> str:
    return office.get_document(doc_id)["pickup"]["state"]


def test_an_abandoned_report_before_the_claim_refuses_the_claim(office, pdf):
    doc_id, issued = _print_doc(office, pdf)
    hashed = code_hash(issued.code)
    # the lane timed out, journaled abandoned and reported it: the report overtakes the claim
    office.report(claim_id="late-claim-1", lane_id=LANE, outcome="abandoned", detail="timeout")
    with pytest.raises(CodeError) as err:
        office.claim(code_hash=hashed, claim_id="late-claim-1", lane_id=LANE)
    assert err.value.key == "claim.conflict"
    assert _pickup_state(office, doc_id) == "ready"  # nothing granted: the lane walked away
    office.report(claim_id="late-claim-1", lane_id=LANE, outcome="abandoned")  # again: a no-op
    with pytest.raises(CodeError):
        office.report(claim_id="late-claim-1", lane_id=LANE, outcome="released")
    # the driver scans again: a new claim id is granted
    grant = office.claim(code_hash=hashed, claim_id="fresh-claim-2", lane_id=LANE)
    assert grant.pickup_id == issued.pickup_id
    actions = [h["action"] for h in office.get_document(doc_id)["history"]]
    assert actions[-2:] == ["pickup.claim_refused", "pickup.claimed"]
    assert office.verify_audit().ok


@pytest.mark.parametrize("engine", ["postgres"], indirect=True)
def test_abandoned_report_racing_a_slow_claim_commit_leaves_no_claim_without_a_future(office, pdf, engine):
    doc_id, issued = _print_doc(office, pdf)
    hashed = code_hash(issued.code)
    results: dict[str, object] = {}

    def run(name, call):
        try:
            results[name] = call()
        except Exception as exc:  # noqa: BLE001 - the test looks at what each side got
            results[name] = exc

    with engine.connect() as holder:
        holder_pid = holder.execute(text("SELECT pg_backend_pid()")).scalar()  # begins its transaction
        # the claim's audit record cannot be inserted yet, so its transaction cannot commit (appends
        # no longer wait on the chain's head: a table lock stands in for a slow commit)
        holder.execute(text("LOCK TABLE audit_log IN SHARE MODE"))
        claim = threading.Thread(
            target=run,
            args=("claim", lambda: office.claim(code_hash=hashed, claim_id="slow-claim-1", lane_id=LANE)),
        )
        claim.start()
        claim_pid = wait_for(lambda: _blocked_by(engine, holder_pid), 20, what="claim waits for the audit")
        abandon = lambda: office.report(claim_id="slow-claim-1", lane_id=LANE, outcome="abandoned")  # noqa: E731
        report = threading.Thread(target=run, args=("report", abandon))
        report.start()
        # the report either finishes at once (it did not see the claim) or waits for it
        wait_for(lambda: "report" in results or _blocked_by(engine, claim_pid), 20, what="report sent")
        holder.rollback()
    claim.join(30)
    report.join(30)
    assert not claim.is_alive() and not report.is_alive()
    assert results["report"] is None, results["report"]
    state = _pickup_state(office, doc_id)
    assert state == "ready", f"pickup left {state} after the claim's lane walked away ({results['claim']!r})"
    # and it can be collected
    office.claim(code_hash=hashed, claim_id="after-race-2", lane_id=LANE)
    assert office.verify_audit().ok


def _blocked_by(engine, pid: int) -> int | None:
    """The backend pid of a session waiting for a lock held by ``pid``, or None."""
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT pid FROM pg_stat_activity WHERE :pid = ANY(pg_blocking_pids(pid)) LIMIT 1"),
            {"pid": pid},
        ).scalar()


def test_a_claim_past_its_lease_becomes_uncertain_for_staff(office, pdf, clock):
    locker_id, locker = _locker_doc(office)
    print_id, printed = _print_doc(office, pdf)
    office.claim(code_hash=code_hash(locker.code), claim_id="locker-claim-1", lane_id=LANE)
    office.claim(code_hash=code_hash(printed.code), claim_id="print-claim-1", lane_id=LANE)
    # the lane goes quiet for good (crashed, unplugged): nobody will ever report these claims
    clock.advance(office.claim_lease_seconds - 1)
    assert office.expire_stale_claims() == 0
    clock.advance(2)
    assert office.expire_stale_claims() == 1  # the locker's lease is shorter than a print's
    assert office.get_document(locker_id)["state"] == "uncertain"
    assert _pickup_state(office, print_id) == "claimed"
    clock.advance(office.print_claim_lease_seconds)
    assert office.expire_stale_claims() == 1
    assert office.expire_stale_claims() == 0
    described = office.get_document(print_id)
    assert described["state"] == "uncertain" and described["pickup"]["state"] == "uncertain"
    assert described["history"][-1]["action"] == "pickup.lease_expired"
    assert described["history"][-1]["actor"] == "system"
    # the citizen is told to see the staff, not "being processed" for ever
    with pytest.raises(CodeError) as err:
        office.claim(code_hash=code_hash(printed.code), claim_id="citizen-again", lane_id=LANE)
    assert err.value.key != "code.in_progress"
    # staff resolve it: not released, the pickup is claimable again
    office.resolve_uncertain(print_id, "staff", released=False)
    assert _pickup_state(office, print_id) == "ready"
    office.claim(code_hash=code_hash(printed.code), claim_id="print-claim-2", lane_id=LANE)
    # or cancel the other one
    office.cancel(locker_id, "staff")
    assert office.get_document(locker_id)["state"] == "cancelled"
    assert office.verify_audit().ok


def test_the_lanes_late_report_still_settles_a_lease_expired_claim(office, pdf, clock):
    doc_id, issued = _print_doc(office, pdf)
    office.claim(code_hash=code_hash(issued.code), claim_id="long-print-1", lane_id=LANE)
    clock.advance(office.print_claim_lease_seconds + 1)
    assert office.expire_stale_claims() == 1
    office.report(claim_id="long-print-1", lane_id=LANE, outcome="released", detail="job completed")
    described = office.get_document(doc_id)
    assert described["state"] == "released" and described["pickup"]["state"] == "released"

    doc_id, issued = _print_doc(office, pdf)
    office.claim(code_hash=code_hash(issued.code), claim_id="long-print-2", lane_id=LANE)
    clock.advance(office.print_claim_lease_seconds + 1)
    office.expire_stale_claims()
    office.report(claim_id="long-print-2", lane_id=LANE, outcome="failed", detail="refused by cups")
    described = office.get_document(doc_id)
    assert described["state"] == "ready" and described["pickup"]["state"] == "ready"


def test_staff_cannot_cancel_a_live_claim_but_can_once_its_lease_ran_out(office, pdf, clock):
    doc_id, issued = _print_doc(office, pdf)
    office.claim(code_hash=code_hash(issued.code), claim_id="stuck-claim-1", lane_id=LANE)
    with pytest.raises(DocumentError):
        office.cancel(doc_id, "staff")
    clock.advance(office.print_claim_lease_seconds + 1)
    office.expire_stale_claims()
    office.cancel(doc_id, "staff")
    assert office.get_document(doc_id)["state"] == "cancelled"


def test_the_sweeper_job_runs_the_sweep_on_the_offices_clock(office, pdf, clock):
    from controller.office.leases import LeaseSweeper

    doc_id, issued = _locker_doc(office)
    office.claim(code_hash=code_hash(issued.code), claim_id="swept-claim-1", lane_id=LANE)
    sweeper = LeaseSweeper(office, interval=0.05)
    assert sweeper.run_once() == 0
    sweeper.start()
    try:
        clock.advance(office.claim_lease_seconds + 1)
        wait_for(lambda: office.get_document(doc_id)["state"] == "uncertain", 10, what="swept")
    finally:
        sweeper.stop()
    with office.engine.connect() as conn:
        assert conn.execute(select(pickups.c.outcome).where(pickups.c.document_id == doc_id)).scalar() == (
            "lease_expired"
        )
