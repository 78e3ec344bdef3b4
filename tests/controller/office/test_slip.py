"""That a slip is printed only for this document's live code, and why a code is dead (SQLite and
PostgreSQL); the slip itself is drawn by web/ (tests/web/test_slip.py)."""

from __future__ import annotations

import pytest

from controller.kernel.codes import code_hash, new_code
from controller.kernel.errors import AmbilError


def test_slip_status_accepts_only_this_documents_live_code(office, pdf):
    first = office.create_document(kind="print", title="Akta", pdf=pdf, actor="staff")["id"]
    second = office.create_document(kind="print", title="SKCK", pdf=pdf, actor="staff")["id"]
    issued = office.mark_ready(first, "staff")
    other = office.mark_ready(second, "staff")

    status = office.slip_status(first, issued.code)
    assert status.short_code == issued.short_code and status.expires_at == issued.expires_at
    assert (
        status.title == "Akta" and issued.code not in repr(status) and issued.short_code not in repr(status)
    )

    for doc_id, code, key in [
        (first, other.code, "auth.forbidden"),  # another document's code
        (first, new_code(), "auth.forbidden"),  # no such code
        (first, "AMB1short", "code.malformed"),
    ]:
        with pytest.raises(AmbilError) as err:
            office.slip_status(doc_id, code)
        assert err.value.key == key

    renewed = office.reissue(first, "staff")
    with pytest.raises(AmbilError) as err:
        office.slip_status(first, issued.code)  # the replaced code is dead
    assert err.value.key == "document.bad_state"
    office.claim(code_hash=code_hash(renewed.code), claim_id="c-1", lane_id="lane-1")
    assert office.slip_status(first, renewed.code).status == "in_progress"  # claimed is still live


def test_code_status_names_why_a_code_is_dead(office, pdf, clock):
    doc = office.create_document(kind="print", title="Akta", pdf=pdf, actor="staff")["id"]
    first = office.mark_ready(doc, "staff")
    assert office.code_status(first.code).status == "ready"
    second = office.reissue(doc, "staff")
    replaced = office.code_status(first.code)
    assert replaced.status == "replaced" and replaced.title is None and replaced.short_code is None
    clock.advance(15 * 86400)
    assert office.code_status(second.code).status == "expired"  # before expire_due even ran
    office.expire_due()
    assert office.code_status(second.code).status == "expired"
    third = office.reissue(doc, "staff")
    office.cancel(doc, "staff")
    assert office.code_status(third.code).status == "cancelled"
    with pytest.raises(AmbilError) as err:
        office.code_status(new_code())
    assert err.value.key == "code.unknown"


def test_locker_document_without_a_door_cannot_be_marked_ready(office):
    doc = office.create_document(kind="locker", title="KTP-el", actor="staff", door_size="S")
    assert doc["door"] is None and doc["door_size"] == "S"
    with pytest.raises(AmbilError) as err:
        office.mark_ready(doc["id"], "staff")
    assert err.value.key == "locker.not_loaded"
    with pytest.raises(AmbilError) as err:
        office.create_document(kind="locker", title="KTP-el", actor="staff", door_size="XL")
    assert err.value.key == "document.invalid"
