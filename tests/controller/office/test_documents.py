from __future__ import annotations

import pytest

from controller.kernel.codes import code_hash, parse_code
from controller.kernel.errors import DocumentError, UploadError
from tests.controller.office.conftest import make_pdf


def _key(exc_info) -> str:
    return exc_info.value.key


def test_print_lifecycle(office, pdf, blobs, clock):
    doc = office.create_document(kind="print", title="Akta Kelahiran", actor="staff:ani", reference="REF-1")
    assert doc["state"] == "draft" and doc["pdf_sha256"] is None
    with pytest.raises(DocumentError) as err:
        office.mark_ready(doc["id"], "staff:ani")
    assert _key(err) == "document.invalid"

    doc = office.attach_pdf(doc["id"], pdf, "staff:ani")
    assert doc["pages"] == 2 and blobs.get(doc["pdf_sha256"]) == pdf

    issued = office.mark_ready(doc["id"], "staff:ani")
    assert parse_code(issued.code) == issued.code
    assert len(issued.short_code) == 10
    assert issued.expires_at == clock.now + 14 * 86400
    assert issued.code not in repr(issued) and issued.short_code not in repr(issued)

    doc = office.get_document(doc["id"])
    assert doc["state"] == "ready" and doc["pickup"]["state"] == "ready"
    assert [h["action"] for h in doc["history"]] == [
        "document.created",
        "document.pdf_attached",
        "pickup.issued",
    ]
    # The code never appears in what the office shows, only a prefix of its hash.
    assert issued.code not in repr(doc) and issued.short_code not in repr(doc)
    assert doc["history"][-1]["detail"]["code"] == code_hash(issued.code)[:12]

    with pytest.raises(DocumentError) as err:
        office.attach_pdf(doc["id"], pdf, "staff:ani")
    assert _key(err) == "document.bad_state"
    with pytest.raises(DocumentError) as err:
        office.mark_ready(doc["id"], "staff:ani")
    assert _key(err) == "document.bad_state"


def test_create_validation(office, pdf):
    with pytest.raises(DocumentError) as err:
        office.create_document(kind="print", title="  ", actor="staff")
    assert _key(err) == "document.invalid"
    with pytest.raises(DocumentError) as err:
        office.create_document(kind="fax", title="x", actor="staff")
    assert _key(err) == "document.invalid"
    with pytest.raises(UploadError) as err:
        office.create_document(kind="print", title="x", actor="staff", pdf=b"not a pdf")
    assert _key(err) == "upload.not_pdf"
    with pytest.raises(DocumentError) as err:
        office.create_document(kind="locker", title="x", actor="staff", pdf=pdf, locker_bank="bank-a", door=1)
    assert _key(err) == "document.invalid"
    assert office.list_documents() == []


def test_locker_doors(office):
    for bank, door in [("bank-a", 0), ("bank-a", 5), ("bank-z", 1), (None, None)]:
        with pytest.raises(DocumentError) as err:
            office.create_document(kind="locker", title="KTP-el", actor="staff", locker_bank=bank, door=door)
        assert _key(err) == "locker.unknown_door"
    first = office.create_document(kind="locker", title="KTP-el", actor="staff", locker_bank="bank-a", door=2)
    with pytest.raises(DocumentError) as err:
        office.create_document(kind="locker", title="Paspor", actor="staff", locker_bank="bank-a", door=2)
    assert _key(err) == "locker.door_taken"
    office.cancel(first["id"], "staff")
    again = office.create_document(kind="locker", title="Paspor", actor="staff", locker_bank="bank-a", door=2)
    with pytest.raises(DocumentError) as err:  # not ready before staff confirm the item is in
        office.mark_ready(again["id"], "staff")
    assert _key(err) == "locker.not_loaded"
    loaded = office.create_document(
        kind="locker", title="STNK", actor="staff", locker_bank="bank-a", door=3, loaded_at=1.0
    )
    issued = office.mark_ready(loaded["id"], "staff", expiry_days=3)
    assert issued.pickup_id > 0


def test_cancel_and_reissue_revoke_codes(office, pdf):
    doc = office.create_document(kind="print", title="SKCK", actor="staff", pdf=pdf)
    first = office.mark_ready(doc["id"], "staff")
    second = office.reissue(doc["id"], "staff")
    assert second.code != first.code and second.short_code != first.short_code
    assert office.get_document(doc["id"])["pickup"]["id"] == second.pickup_id
    office.cancel(doc["id"], "staff")
    doc = office.get_document(doc["id"])
    assert doc["state"] == "cancelled" and doc["pickup"]["state"] == "revoked"
    for call in (lambda: office.cancel(doc["id"], "staff"), lambda: office.reissue(doc["id"], "staff")):
        with pytest.raises(DocumentError) as err:
            call()
        assert _key(err) == "document.bad_state"


def test_expire_due_and_reissue_renews(office, pdf, clock):
    doc = office.create_document(kind="print", title="SIM", actor="staff", pdf=pdf)
    office.mark_ready(doc["id"], "staff", expiry_days=1)
    assert office.expire_due() == 0
    clock.advance(86400)
    assert office.expire_due() == 1
    assert office.expire_due() == 0
    doc = office.get_document(doc["id"])
    assert doc["state"] == "expired" and doc["pickup"]["state"] == "expired"
    office.reissue(doc["id"], "staff")
    assert office.get_document(doc["id"])["state"] == "ready"


def test_unknown_document(office):
    with pytest.raises(DocumentError) as err:
        office.get_document(999)
    assert _key(err) == "document.not_found"


def test_too_many_pages_refused_on_upload(office):
    with pytest.raises(UploadError) as err:
        office.create_document(kind="print", title="x", actor="staff", pdf=make_pdf(51))
    assert _key(err) == "upload.too_many_pages"
