from __future__ import annotations

import threading
import uuid

import pytest

from controller.kernel.codes import code_hash, new_code
from controller.kernel.errors import AmbilError, CodeError

LANE = "lane-1"


def _cid() -> str:
    return str(uuid.uuid4())


def _ready_print(office, pdf, **kw):
    doc = office.create_document(kind="print", title="Akta", actor="staff", pdf=pdf)
    return doc, office.mark_ready(doc["id"], "staff", **kw)


def _refused(call, key: str) -> CodeError:
    with pytest.raises(CodeError) as err:
        call()
    assert err.value.key == key, err.value.detail
    return err.value


def test_claim_grant_and_idempotent_retry(office, pdf):
    doc, issued = _ready_print(office, pdf)
    cid = _cid()
    grant = office.claim(code_hash=code_hash(issued.code), claim_id=cid, lane_id=LANE)
    assert (grant.claim_id, grant.document_id, grant.kind, grant.pages) == (cid, doc["id"], "print", 2)
    assert grant.pickup_id == issued.pickup_id and grant.expires_at == issued.expires_at
    assert office.claim_pdf(cid, LANE) == pdf
    # A retry with the same claim id (lost response) gets the same grant.
    assert office.claim(code_hash=code_hash(issued.code), claim_id=cid, lane_id=LANE) == grant
    # Another claim is refused while this one is in progress.
    _refused(
        lambda: office.claim(code_hash=code_hash(issued.code), claim_id=_cid(), lane_id=LANE),
        "code.in_progress",
    )
    state = office.get_document(doc["id"])
    assert state["pickup"]["state"] == "claimed" and state["pickup"]["lane_id"] == LANE


def test_refusal_reasons(office, pdf, clock):
    claim = lambda code, lane=LANE: office.claim(code_hash=code_hash(code), claim_id=_cid(), lane_id=lane)  # noqa: E731
    _refused(lambda: claim(new_code()), "code.unknown")

    # expired: past expiry, before and after expire_due ran
    _, short_lived = _ready_print(office, pdf, expiry_days=1)
    clock.advance(86400)
    _refused(lambda: claim(short_lived.code), "code.expired")
    office.expire_due()
    _refused(lambda: claim(short_lived.code), "code.expired")

    # revoked: by reissue (at once) and by cancel
    doc, old = _ready_print(office, pdf)
    new = office.reissue(doc["id"], "staff")
    _refused(lambda: claim(old.code), "code.revoked")
    office.cancel(doc["id"], "staff")
    _refused(lambda: claim(new.code), "code.revoked")

    # already released
    _, done = _ready_print(office, pdf)
    cid = _cid()
    office.claim(code_hash=code_hash(done.code), claim_id=cid, lane_id=LANE)
    office.report(claim_id=cid, lane_id=LANE, outcome="released")
    _refused(lambda: claim(done.code), "code.already_released")

    # wrong lane: a locker document's bank belongs to lane-1; checked before claiming
    locker = office.create_document(
        kind="locker", title="KTP", actor="staff", locker_bank="bank-a", door=1, loaded_at=1.0
    )
    issued = office.mark_ready(locker["id"], "staff")
    _refused(lambda: claim(issued.code, lane="lane-2"), "code.wrong_lane")
    assert office.get_document(locker["id"])["pickup"]["state"] == "ready"
    grant = office.claim(code_hash=code_hash(issued.code), claim_id=_cid(), lane_id=LANE)
    assert (grant.kind, grant.locker_bank, grant.door, grant.pdf_sha256) == ("locker", "bank-a", 1, None)


def test_every_claim_and_refusal_is_audited_without_codes(office, pdf):
    doc, issued = _ready_print(office, pdf)
    hashed = code_hash(issued.code)
    office.claim(code_hash=hashed, claim_id="c-1", lane_id=LANE)
    _refused(lambda: office.claim(code_hash=hashed, claim_id="c-2", lane_id="lane-2"), "code.in_progress")
    history = office.get_document(doc["id"])["history"]
    assert [(h["actor"], h["action"]) for h in history[-2:]] == [
        ("lane:lane-1", "pickup.claimed"),
        ("lane:lane-2", "pickup.claim_refused"),
    ]
    assert history[-1]["detail"] == {"reason": "code.in_progress", "code": hashed[:12], "claim_id": "c-2"}
    assert issued.code not in repr(history) and hashed not in repr(history)
    assert office.verify_audit().ok


def _race(office, hashed: str, threads: int) -> tuple[list, list]:
    barrier = threading.Barrier(threads)
    grants, errors = [], []

    def worker():
        barrier.wait()
        try:
            grants.append(office.claim(code_hash=hashed, claim_id=_cid(), lane_id=LANE))
        except CodeError as exc:
            errors.append(exc.key)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=60)
    return grants, errors


@pytest.mark.parametrize("round_", range(3))
def test_claim_race_exactly_one_grant(office, pdf, round_):
    _, issued = _ready_print(office, pdf)
    grants, errors = _race(office, code_hash(issued.code), threads=8)
    assert len(grants) == 1
    assert errors == ["code.in_progress"] * 7
    assert office.verify_audit().ok


def test_report_is_idempotent_and_failed_makes_claimable_again(office, pdf):
    doc, issued = _ready_print(office, pdf)
    hashed = code_hash(issued.code)
    first = office.claim(code_hash=hashed, claim_id="c-1", lane_id=LANE)
    office.report(claim_id="c-1", lane_id=LANE, outcome="failed", detail="media-empty")
    office.report(claim_id="c-1", lane_id=LANE, outcome="failed", detail="media-empty")
    state = office.get_document(doc["id"])
    assert state["state"] == "ready" and state["pickup"]["state"] == "ready"
    assert state["pickup"]["outcome"] == "failed"
    _refused(lambda: office.claim_pdf("c-1", LANE), "code.unknown")
    # A finished claim id cannot be reused; the controlled reprint takes a new one.
    _refused(lambda: office.claim(code_hash=hashed, claim_id="c-1", lane_id=LANE), "claim.conflict")
    second = office.claim(code_hash=hashed, claim_id="c-2", lane_id=LANE)
    assert second.pickup_id == first.pickup_id
    office.report(claim_id="c-2", lane_id=LANE, outcome="released")
    office.report(claim_id="c-2", lane_id=LANE, outcome="released")
    state = office.get_document(doc["id"])
    assert state["state"] == "released" and state["pickup"]["state"] == "released"
    _refused(lambda: office.report(claim_id="c-2", lane_id=LANE, outcome="failed"), "claim.conflict")
    actions = [h["action"] for h in state["history"]]
    assert actions.count("pickup.failed") == 1 and actions.count("pickup.released") == 1


def test_report_uncertain_abandoned_and_unknown(office, pdf):
    doc, issued = _ready_print(office, pdf)
    office.claim(code_hash=code_hash(issued.code), claim_id="c-1", lane_id=LANE)
    with pytest.raises(AmbilError) as err:
        office.report(claim_id="c-1", lane_id="lane-2", outcome="released")
    assert err.value.key == "auth.forbidden"
    with pytest.raises(AmbilError) as err:
        office.report(claim_id="c-1", lane_id=LANE, outcome="maybe")
    assert err.value.key == "request.invalid"
    office.report(claim_id="c-1", lane_id=LANE, outcome="uncertain", detail="job state unknown")
    state = office.get_document(doc["id"])
    assert state["state"] == "uncertain" and state["pickup"]["state"] == "uncertain"
    _refused(
        lambda: office.claim(code_hash=code_hash(issued.code), claim_id="c-9", lane_id=LANE),
        "code.already_released",
    )
    office.resolve_uncertain(doc["id"], "staff", released=False)
    assert office.get_document(doc["id"])["pickup"]["state"] == "ready"

    office.claim(code_hash=code_hash(issued.code), claim_id="c-2", lane_id=LANE)
    office.report(claim_id="c-2", lane_id=LANE, outcome="abandoned")
    assert office.get_document(doc["id"])["pickup"]["state"] == "ready"

    office.report(claim_id="never-seen", lane_id=LANE, outcome="abandoned")  # a tombstone
    _refused(lambda: office.report(claim_id="never-seen", lane_id=LANE, outcome="released"), "claim.conflict")
    _refused(lambda: office.report(claim_id="never-heard", lane_id=LANE, outcome="released"), "code.unknown")


def test_staff_cannot_cancel_during_a_claim(office, pdf):
    doc, issued = _ready_print(office, pdf)
    office.claim(code_hash=code_hash(issued.code), claim_id="c-1", lane_id=LANE)
    with pytest.raises(AmbilError) as err:
        office.cancel(doc["id"], "staff")
    assert err.value.key == "document.bad_state"
    with pytest.raises(AmbilError) as err:
        office.reissue(doc["id"], "staff")
    assert err.value.key == "document.bad_state"


def test_short_code_claim_and_lockout(office, pdf, clock):
    _, collected = _ready_print(office, pdf)
    _, issued = _ready_print(office, pdf)
    wrong = "0000000000" if "0000000000" not in (issued.short_code, collected.short_code) else "1111111111"
    # 4 misses, then a right code that is released ends the run (guessing.py)
    for _ in range(4):
        _refused(lambda: office.claim_short(short_code=wrong, claim_id=_cid(), lane_id=LANE), "code.unknown")
    grant = office.claim_short(short_code=collected.short_code, claim_id="c-1", lane_id=LANE)
    assert grant.pickup_id == collected.pickup_id and grant.code_hash == code_hash(collected.code)
    office.report(claim_id="c-1", lane_id=LANE, outcome="released")

    for _ in range(4):
        _refused(lambda: office.claim_short(short_code=wrong, claim_id=_cid(), lane_id=LANE), "code.unknown")
    _refused(lambda: office.claim_short(short_code=wrong, claim_id=_cid(), lane_id=LANE), "code.locked_out")
    # locked: even the right code is refused, on this lane only
    pretty = f"{issued.short_code[:3]}-{issued.short_code[3:6]} {issued.short_code[6:]}"
    _refused(lambda: office.claim_short(short_code=pretty, claim_id=_cid(), lane_id=LANE), "code.locked_out")
    _refused(lambda: office.claim_short(short_code=wrong, claim_id=_cid(), lane_id="lane-2"), "code.unknown")
    clock.advance(5 * 60 - 1)
    _refused(lambda: office.claim_short(short_code=pretty, claim_id=_cid(), lane_id=LANE), "code.locked_out")
    clock.advance(1)
    grant = office.claim_short(short_code=pretty, claim_id="c-2", lane_id=LANE)
    assert grant.claim_id == "c-2"


def test_short_code_malformed_does_not_touch_the_database(office):
    _refused(lambda: office.claim_short(short_code="12ab", claim_id=_cid(), lane_id=LANE), "code.malformed")


def test_concurrent_retries_of_one_claim_all_get_the_same_grant(office, pdf):
    _, issued = _ready_print(office, pdf)
    barrier = threading.Barrier(6)
    grants = []

    def worker():
        barrier.wait()
        grants.append(office.claim(code_hash=code_hash(issued.code), claim_id="c-same", lane_id=LANE))

    pool = [threading.Thread(target=worker) for _ in range(6)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=60)
    assert len(grants) == 6 and len(set(grants)) == 1
    history = office.get_document(grants[0].document_id)["history"]
    assert [h["action"] for h in history].count("pickup.claimed") == 1


def test_only_the_claiming_lane_may_retry_the_claim_or_fetch_its_pdf(office, pdf):
    doc, issued = _ready_print(office, pdf)
    hashed = code_hash(issued.code)
    grant = office.claim(code_hash=hashed, claim_id="c-lane-1", lane_id=LANE)
    # another lane that learnt the claim id and the code hash gets nothing
    _refused(lambda: office.claim(code_hash=hashed, claim_id="c-lane-1", lane_id="lane-2"), "claim.conflict")
    with pytest.raises(AmbilError) as err:
        office.claim_pdf("c-lane-1", "lane-2")
    assert err.value.key == "auth.forbidden"
    assert office.claim(code_hash=hashed, claim_id="c-lane-1", lane_id=LANE) == grant
    assert office.claim_pdf("c-lane-1", LANE) == pdf
    refused = [h for h in office.get_document(doc["id"])["history"] if h["action"] == "pickup.claim_refused"]
    assert [h["actor"] for h in refused] == ["lane:lane-2"]
