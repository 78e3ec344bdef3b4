"""Agency pushes: one document per Idempotency-Key or reference, even under concurrent retries; the
code handed out once; read-back scoped to the agency; the signed webhook on release."""

from __future__ import annotations

import threading

import pytest

from controller.config import NotifyConfig
from controller.kernel.codes import code_hash
from controller.kernel.errors import AmbilError, CodeError, DocumentError
from controller.office.agency import AgencyDocuments, Push
from controller.office.kinds import DocumentKinds
from controller.office.notify import Notifications, verify_signature
from tests.rigs.webhook_receiver import WebhookReceiver
from web.i18n.messages import CatalogTexts


@pytest.fixture
def kinds(engine):
    kinds = DocumentKinds(engine)
    kinds.ensure_defaults()
    return kinds


@pytest.fixture
def agency(engine, office, kinds):
    told = []
    agency = AgencyDocuments(engine, office, kinds, notify=lambda doc_id, code: told.append((doc_id, code)))
    agency.told = told
    return agency


def _key(office, label="dukcapil") -> int:
    return office.lookup_api_key(office.create_api_key("agency", label=label))["id"]


def _push(pdf, **values) -> Push:
    return Push(**{"title": "Akta Kelahiran", "reference": "AKT-001", "pdf": pdf, **values})


def test_first_push_creates_ready_document_and_issues_code_once(agency, office, pdf):
    key = _key(office)
    first = agency.push(key, _push(pdf, citizen_phone="+628123"), actor="agency:dukcapil")
    assert first.created and first.issued is not None
    assert first.document["state"] == "ready" and first.document["agency_ref"] == "AKT-001"
    assert agency.told == [(first.document["id"], first.issued.code)]
    again = agency.push(key, _push(pdf), actor="agency:dukcapil")
    assert not again.created and again.issued is None
    assert again.document["id"] == first.document["id"]
    assert len(agency.told) == 1


def test_same_idempotency_key_ten_times_makes_one_document(agency, office, pdf):
    key = _key(office)
    results = [agency.push(key, _push(pdf, idempotency_key="idem-1"), actor="agency:x") for _ in range(10)]
    assert len({r.document["id"] for r in results}) == 1
    assert [r.created for r in results] == [True] + [False] * 9
    assert sum(r.issued is not None for r in results) == 1
    assert len(office.list_documents()) == 1


def test_same_reference_from_ten_threads_makes_one_document(agency, office, pdf):
    key = _key(office)
    results, errors = [], []
    gate = threading.Barrier(10)

    def push():
        gate.wait()
        try:
            results.append(agency.push(key, _push(pdf), actor="agency:x"))
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=push) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert len(results) == 10
    assert len({r.document["id"] for r in results}) == 1
    assert sum(r.created for r in results) == 1
    assert sum(r.issued is not None for r in results) == 1  # the code went out exactly once
    assert len(office.list_documents()) == 1
    assert office.list_documents()[0]["state"] == "ready"


def test_idempotency_key_reused_for_another_reference_is_a_conflict(agency, office, pdf):
    key = _key(office)
    agency.push(key, _push(pdf, idempotency_key="k"), actor="a")
    with pytest.raises(AmbilError) as caught:
        agency.push(key, _push(pdf, idempotency_key="k", reference="AKT-002"), actor="a")
    assert caught.value.key == "agency.conflict"


def test_references_are_per_agency_and_read_back_only_by_their_agency(agency, office, pdf):
    one, two = _key(office, "one"), _key(office, "two")
    mine = agency.push(one, _push(pdf), actor="a").document
    theirs = agency.push(two, _push(pdf), actor="b").document
    assert mine["id"] != theirs["id"]
    assert agency.get(one, "AKT-001")["id"] == mine["id"]
    assert agency.get(two, "AKT-001")["id"] == theirs["id"]
    three = _key(office, "three")
    with pytest.raises(DocumentError) as caught:
        agency.get(three, "AKT-001")
    assert caught.value.key == "document.not_found"


def test_kind_by_name_locker_item_stays_draft_without_code(agency, office, kinds):
    key = _key(office)
    result = agency.push(
        key, Push(title="KTP-el a.n. B", reference="KTP-9", kind="ktp-el (loker)"), actor="a"
    )
    assert result.document["kind"] == "locker" and result.document["state"] == "draft"
    assert result.document["door_size"] == "M"
    assert result.issued is None
    ktp = next(k for k in kinds.list() if k.name == "KTP-el (loker)")
    assert result.document["kind_id"] == ktp.id


def test_not_ready_then_retry_with_ready_issues_the_code_once(agency, office, pdf):
    key = _key(office)
    draft = agency.push(key, _push(pdf, ready=False), actor="a")
    assert draft.document["state"] == "draft" and draft.issued is None
    retry = agency.push(key, _push(pdf), actor="a")
    assert not retry.created and retry.issued is not None  # no code had gone out before
    assert retry.document["state"] == "ready"
    assert agency.push(key, _push(pdf), actor="a").issued is None


def test_bad_pushes_are_refused(agency, office, pdf):
    key = _key(office)
    with pytest.raises(DocumentError):
        agency.push(key, _push(pdf, kind="no such kind"), actor="a")
    with pytest.raises(DocumentError):
        agency.push(key, _push(pdf, reference="  "), actor="a")
    assert office.list_documents() == []


def test_release_fires_one_signed_webhook_with_retry(engine, office, kinds, pdf):
    with WebhookReceiver(fail_first=1) as hook:
        notifier = Notifications(
            engine, NotifyConfig(retry_seconds=0.05), key=bytes(32), texts=CatalogTexts()
        )
        office.on_released.append(notifier.document_changed)
        notifier.start()
        try:
            agency = AgencyDocuments(engine, office, kinds)
            key = _key(office)
            secret = agency.set_webhook(key, hook.url, actor="admin")
            result = agency.push(key, _push(pdf), actor="a")
            doc_id = result.document["id"]
            office.claim(code_hash=code_hash(result.issued.code), claim_id="c-1", lane_id="lane-1")
            office.report(claim_id="c-1", lane_id="lane-1", outcome="released")
            office.report(claim_id="c-1", lane_id="lane-1", outcome="released")  # a retried report
            hits = hook.wait(2)
            assert notifier.wait_idle()
        finally:
            notifier.stop()
    assert [h.status for h in hits] == [503, 200]
    assert hits[0].body == hits[1].body
    body = hits[1].json()
    assert body["event"] == "document.released" and body["state"] == "released"
    assert body["reference"] == "AKT-001" and body["document_id"] == doc_id
    assert verify_signature(secret, hits[1].body, hits[1].headers["X-Ambil-Signature"])
    assert not verify_signature("wrong", hits[1].body, hits[1].headers["X-Ambil-Signature"])
    rows = [r for r in notifier.history(doc_id) if r["purpose"] == "released"]
    assert len(rows) == 1 and rows[0]["status"] == "sent" and rows[0]["attempts"] == 2


def test_uncertain_and_resolution_fire_hooks(office, pdf):
    changes = []
    office.on_released.append(lambda doc_id, state: changes.append((doc_id, state)))
    office.on_released.append(lambda doc_id, state: 1 / 0)  # a broken hook must not break reports
    doc = office.create_document(kind="print", title="SKCK", pdf=pdf, actor="t")
    issued = office.mark_ready(doc["id"], "t")
    office.claim(code_hash=code_hash(issued.code), claim_id="c-9", lane_id="lane-1")
    office.report(claim_id="c-9", lane_id="lane-1", outcome="uncertain")
    office.resolve_uncertain(doc["id"], "user:1", released=True)
    assert changes == [(doc["id"], "uncertain"), (doc["id"], "released")]


def test_the_release_hooks_fire_once_per_change_however_often_the_lane_reports(office, pdf, clock):
    changes = []
    office.on_released.append(lambda doc_id, state: changes.append((doc_id, state)))
    docs = [office.create_document(kind="print", title=f"SKCK {n}", pdf=pdf, actor="t") for n in range(4)]
    codes = [office.mark_ready(doc["id"], "t").code for doc in docs]
    office.claim(code_hash=code_hash(codes[0]), claim_id="c-1", lane_id="lane-1")
    office.report(claim_id="c-1", lane_id="lane-1", outcome="released")
    office.report(claim_id="c-1", lane_id="lane-1", outcome="released")  # the answer was lost: again
    office.claim(code_hash=code_hash(codes[1]), claim_id="c-2", lane_id="lane-1")
    office.report(claim_id="c-2", lane_id="lane-1", outcome="failed")  # nothing came out: no change
    office.claim(code_hash=code_hash(codes[1]), claim_id="c-3", lane_id="lane-1")
    office.report(claim_id="c-3", lane_id="lane-1", outcome="uncertain")
    office.report(claim_id="c-3", lane_id="lane-1", outcome="uncertain")
    with pytest.raises(CodeError):
        office.report(claim_id="c-3", lane_id="lane-1", outcome="released")  # a conflicting second word
    # a lease that ran out made the document uncertain (its hook fired then): the lane's
    # "uncertain" moves nothing
    office.claim(code_hash=code_hash(codes[2]), claim_id="c-4", lane_id="lane-1")
    clock.advance(office.print_claim_lease_seconds + 1)
    office.expire_stale_claims()
    office.report(claim_id="c-4", lane_id="lane-1", outcome="uncertain")
    # ... and a late "released" after the lease settles it: the document moves, the hook fires
    office.claim(code_hash=code_hash(codes[3]), claim_id="c-5", lane_id="lane-1")
    clock.advance(office.print_claim_lease_seconds + 1)
    office.expire_stale_claims()
    office.report(claim_id="c-5", lane_id="lane-1", outcome="released")
    assert changes == [
        (docs[0]["id"], "released"),
        (docs[1]["id"], "uncertain"),
        (docs[2]["id"], "uncertain"),  # the lease, not the report
        (docs[3]["id"], "uncertain"),
        (docs[3]["id"], "released"),
    ]
