"""The A6 pickup slip: one page, the QR decodes back to the code, no personal data; and the check
that a slip is printed only for this document's live code (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from pypdf import PdfReader

from controller.kernel.codes import code_hash, new_code
from controller.kernel.errors import AmbilError
from controller.office.slip import format_short_code, render_slip
from hardware.scanner.decoder import QrDecoder
from tests.rigs.unavailable import rig_unavailable

A6_POINTS = (105 / 25.4 * 72, 148 / 25.4 * 72)


def _render(code: str, **overrides) -> bytes:
    values = {
        "code": code,
        "short_code": "0123456789",
        "expires_at": 1_750_000_000.0 + 14 * 86400,
        "title": "Akta Kelahiran",
        "reference": "AKT-2025-001",
        "lane_hint": "Lajur 1",
    }
    return render_slip(**{**values, **overrides})


def _decode(pdf: bytes, tmp_path, dpi: int) -> list[str]:
    if shutil.which("pdftoppm") is None:
        rig_unavailable("pdftoppm is not installed (apt-get install poppler-utils)")
    (tmp_path / "slip.pdf").write_bytes(pdf)
    out = tmp_path / f"slip-{dpi}"
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(dpi), "-singlefile", str(tmp_path / "slip.pdf"), str(out)],
        check=True,
        timeout=30,
    )
    return QrDecoder().decode_file(out.with_suffix(".png"))


def test_slip_is_one_a6_portrait_page_with_the_facts():
    pdf = _render(new_code())
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert float(box.width) == pytest.approx(A6_POINTS[0], abs=0.5)
    assert float(box.height) == pytest.approx(A6_POINTS[1], abs=0.5)
    text = reader.pages[0].extract_text()
    for expected in (
        "01234 56789",
        "AKT-2025-001",
        "Akta Kelahiran",
        "Lajur 1",
        "Tunjukkan QR ini ke kamera",
    ):
        assert expected in text
    assert "Show this QR to the camera" in text and "2025" in text


@pytest.mark.parametrize("dpi", [72, 150])
def test_the_slip_qr_decodes_back_to_the_code(tmp_path, dpi):
    code = new_code()
    assert _decode(_render(code), tmp_path, dpi) == [code]


def test_a_long_title_is_cut_not_spilled():
    text = (
        PdfReader(io.BytesIO(_render(new_code(), title="Surat " * 60, reference=None)))
        .pages[0]
        .extract_text()
    )
    assert "..." in text and "No." not in text


def test_format_short_code():
    assert format_short_code("0123456789") == "01234 56789"


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
