"""The staff document pages over real HTTP: register, list and search, detail, ready, slip, reissue,
cancel, resolve, history, and the JSON list API."""

from __future__ import annotations

import io
import re
import subprocess

import pytest
from pypdf import PdfReader, PdfWriter

from controller.kernel.codes import code_hash
from hardware.scanner.decoder import QrDecoder
from tests.conftest import make_pdf
from tests.rigs.server import LiveServer
from tests.web.helpers import browser, csrf_from, login, post_form

PASSWORD = "kata-sandi-rahasia"
CODE_RE = re.compile(r"AMB1[A-Z2-7]{26}")


@pytest.fixture
def site(build):
    system = build()
    system.accounts.create_user("siti", PASSWORD, "staff")
    system.accounts.create_user("sam", PASSWORD, "staff")
    sam = next(u for u in system.accounts.list_users() if u.username == "sam")
    system.accounts.update_user(sam.id, language="en", actor="system")
    system.config.office.max_upload_mb = 0.05  # 50 kB: the "too large" case stays small and fast
    with LiveServer(system) as server:
        yield server


@pytest.fixture
def web(site):
    with browser(site.url) as client:
        assert login(client, "siti", PASSWORD).status_code == 303
        yield client


def _kind(site, delivery: str) -> int:
    return next(k.id for k in site.system.kinds.list(active_only=True) if k.delivery == delivery)


def register(web, site, *, delivery="print", pdf: bytes | None = None, filename="akta.pdf", **fields):
    token = csrf_from(web.get("/staff/documents/new").text)
    data = {"kind_id": str(_kind(site, delivery)), "title": "Akta Kelahiran", "csrf_token": token, **fields}
    files = {"file": (filename, pdf if pdf is not None else b"", "application/pdf")}
    if pdf is None:
        files = {"file": ("", b"", "application/octet-stream")}  # what a browser sends for no file
    return web.post("/staff/documents", data=data, files=files)


def _doc_id(response) -> int:
    assert response.status_code == 303, response.text
    return int(re.match(r"/staff/documents/(\d+)", response.headers["location"]).group(1))


def _mark_ready(web, doc_id: int, action: str = "ready"):
    page = f"/staff/documents/{doc_id}"
    response = post_form(web, page, f"{page}/{action}")
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    return response, CODE_RE.search(response.text).group(0)


def test_register_print_document_then_list_search_and_preview(site, web):
    doc_id = _doc_id(
        register(
            web,
            site,
            pdf=make_pdf(3),
            reference="AKT-2025/0042",
            citizen_name="Budi",
            citizen_phone="+62 812-3456-7890",
        )
    )
    detail = web.get(f"/staff/documents/{doc_id}")
    assert detail.status_code == 200
    assert (
        "Akta Kelahiran" in detail.text
        and "AKT-2025/0042" in detail.text
        and 'id="mark-ready"' in detail.text
    )
    assert "Dokumen terdaftar." not in detail.text  # flash only after the redirect
    assert "Dokumen terdaftar." in web.get(f"/staff/documents/{doc_id}?ok=documents.flash.created").text

    preview = web.get(f"/staff/documents/{doc_id}/preview.png")
    assert preview.status_code == 200 and preview.content.startswith(b"\x89PNG")
    sha = site.system.office.get_document(doc_id)["pdf_sha256"]
    assert (site.system.config.state_dir / "previews" / f"{sha}.png").read_bytes() == preview.content

    other = _doc_id(register(web, site, pdf=make_pdf(1), title="SKCK Andi", reference="SKCK-7"))
    listing = web.get("/staff/documents")
    assert listing.text.index(f'id="doc-{other}"') < listing.text.index(f'id="doc-{doc_id}"')  # newest first
    assert "badge state-draft" in listing.text

    by_reference = web.get("/staff/documents", params={"q": "akt-2025/00"})
    assert f'id="doc-{doc_id}"' in by_reference.text and f'id="doc-{other}"' not in by_reference.text
    by_phone = web.get("/staff/documents", params={"q": "0812 3456 7890"})
    assert f'id="doc-{doc_id}"' in by_phone.text and f'id="doc-{other}"' not in by_phone.text
    none = web.get("/staff/documents", params={"q": "tidak-ada", "state": "draft"})
    assert "Tidak ada dokumen yang cocok." in none.text

    api = web.get("/api/v1/documents", params={"q": "SKCK", "kind": "print"}).json()
    assert api["total"] == 1 and api["items"][0]["id"] == other


def _encrypted_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt("rahasia")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


UPLOADS = {
    "renamed text": lambda: b"just some text, renamed to .pdf",
    "empty": lambda: b"",
    "encrypted": _encrypted_pdf,
    "too large": lambda: make_pdf(1) + b"%" + b"x" * 60_000,  # the site allows 50 kB
}


@pytest.mark.parametrize(
    ("case", "reason_id", "reason_en"),
    [
        ("renamed text", "Berkas bukan PDF", "The file is not a PDF"),
        ("empty", "Berkas kosong", "The file is empty"),
        ("encrypted", "PDF terkunci kata sandi", "The PDF is password-protected"),
        # the limit named, from office.max_upload_mb (this site's 0.05)
        ("too large", "Berkas lebih dari 0.05 MB", "The file is larger than 0.05 MB"),
    ],
)
def test_upload_errors_re_render_the_form_with_the_reason(site, web, case, reason_id, reason_en):
    upload = UPLOADS[case]()
    response = register(web, site, pdf=upload, filename="dokumen.pdf", reference="REF-ERR")
    assert response.status_code in (413, 415, 422)
    assert reason_id in response.text and 'id="register-form"' in response.text
    assert 'value="REF-ERR"' in response.text  # what staff typed is kept
    assert site.system.office.search_documents().total == 0
    with browser(site.url) as english:
        login(english, "sam", PASSWORD)
        response = register(english, site, pdf=upload, filename="dokumen.pdf")
        assert reason_en in response.text


def test_register_needs_a_kind_and_a_title(site, web):
    token = csrf_from(web.get("/staff/documents/new").text)
    response = web.post("/staff/documents", data={"title": "x", "csrf_token": token})
    assert response.status_code == 422 and "Pilih jenis dokumen." in response.text
    response = register(web, site, title="  ")
    assert response.status_code == 422 and "Judul dokumen wajib diisi." in response.text


def test_mark_ready_shows_the_code_once_and_the_slip_decodes_back(site, web, tmp_path):
    doc_id = _doc_id(register(web, site, pdf=make_pdf(1), reference="SLIP-1"))
    response, code = _mark_ready(web, doc_id)
    short = site.system.office.short_code_for(code)
    assert f"{short[:5]} {short[5:]}" in response.text
    assert f"/api/v1/qr/{code}.png" in response.text
    assert f"{site.system.config.public_url}/p/{code}" in response.text
    assert "hanya ditampilkan sekali" in response.text
    detail = web.get(f"/staff/documents/{doc_id}").text
    assert code not in detail and short not in detail and "Kode pengambilan dibuat" in detail

    token = csrf_from(response.text)
    slip = web.post(f"/staff/documents/{doc_id}/slip.pdf", data={"code": code, "csrf_token": token})
    assert slip.status_code == 200 and slip.headers["content-type"] == "application/pdf"
    assert slip.headers["cache-control"] == "no-store"
    reader = PdfReader(io.BytesIO(slip.content))
    assert len(reader.pages) == 1
    assert "SLIP-1" in reader.pages[0].extract_text()
    (tmp_path / "slip.pdf").write_bytes(slip.content)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "100", "-singlefile", str(tmp_path / "slip.pdf"), str(tmp_path / "slip")],
        check=True,
        timeout=30,
    )
    assert QrDecoder().decode_file(tmp_path / "slip.png") == [code]

    # another document's slip route refuses this code; a malformed code is refused too
    other = _doc_id(register(web, site, pdf=make_pdf(1), title="Lain"))
    token = csrf_from(web.get(f"/staff/documents/{other}").text)
    assert (
        web.post(f"/staff/documents/{other}/slip.pdf", data={"code": code, "csrf_token": token}).status_code
        == 403
    )
    bad = web.post(f"/staff/documents/{doc_id}/slip.pdf", data={"code": "AMB1nope", "csrf_token": token})
    assert bad.status_code == 400


def test_reissue_makes_the_old_code_invalid_everywhere(site, web):
    doc_id = _doc_id(register(web, site, pdf=make_pdf(1)))
    _first, old = _mark_ready(web, doc_id)
    _second, new = _mark_ready(web, doc_id, "reissue")
    assert old != new
    with browser(site.url) as citizen:
        page = citizen.get(f"/p/{old}")
        assert page.status_code == 410 and "sudah diganti dengan kode baru" in page.text
        assert "Akta Kelahiran" not in page.text  # a dead code reveals nothing about the document
        fresh = citizen.get(f"/p/{new}")
        assert fresh.status_code == 200 and "Akta Kelahiran" in fresh.text
    token = csrf_from(web.get(f"/staff/documents/{doc_id}").text)
    stale = web.post(f"/staff/documents/{doc_id}/slip.pdf", data={"code": old, "csrf_token": token})
    assert stale.status_code == 409


def test_cancel_needs_confirmation(site, web):
    doc_id = _doc_id(register(web, site, pdf=make_pdf(1)))
    _page, code = _mark_ready(web, doc_id)
    page = f"/staff/documents/{doc_id}"
    refused = post_form(web, page, f"{page}/cancel")
    assert refused.status_code == 422 and "Centang konfirmasi" in refused.text
    assert site.system.office.get_document(doc_id)["state"] == "ready"
    done = post_form(web, page, f"{page}/cancel", {"confirm": "yes"})
    assert done.status_code == 303
    detail = web.get(done.headers["location"]).text
    assert "Dokumen dibatalkan" in detail and 'id="doc-state">Dibatalkan' in detail
    history = detail[detail.index('id="history"') :]
    assert "Didaftarkan" in history and "Kode dicabut" in history and "siti" in history
    with browser(site.url) as citizen:
        assert "sudah dibatalkan" in citizen.get(f"/p/{code}").text


def test_resolve_an_uncertain_release(site, web):
    office = site.system.office
    lane = site.system.config.lane.id
    doc_id = _doc_id(register(web, site, pdf=make_pdf(1)))
    _page, code = _mark_ready(web, doc_id)
    office.claim(code_hash=code_hash(code), claim_id="claim-1", lane_id=lane)
    office.report(claim_id="claim-1", lane_id=lane, outcome="uncertain", detail="power cut")
    page = f"/staff/documents/{doc_id}"
    detail = web.get(page).text
    assert 'id="resolve-form"' in detail and "Penyerahan belum pasti" in detail
    response = post_form(web, page, f"{page}/resolve", {"outcome": "not_released"})
    assert response.status_code == 303 and office.get_document(doc_id)["state"] == "ready"
    assert "belum diterima" in web.get(page).text
    again = post_form(web, page, f"{page}/resolve", {"outcome": "released"})
    assert again.status_code == 409  # nothing uncertain any more


def test_locker_document_waits_for_loading(site, web):
    missing = register(web, site, delivery="locker", title="KTP-el")
    assert missing.status_code == 422 and "Pilih ukuran pintu loker." in missing.text
    doc_id = _doc_id(register(web, site, delivery="locker", title="KTP-el", door_size="S"))
    detail = web.get(f"/staff/documents/{doc_id}").text
    assert (
        'id="load-first"' in detail and 'href="/staff/lockers"' in detail and 'id="mark-ready"' not in detail
    )
    page = f"/staff/documents/{doc_id}"
    refused = post_form(web, page, f"{page}/ready")  # the office refuses it too, not only the page
    assert refused.status_code == 409 and "Barang belum dimuat ke loker" in refused.text
    assert site.system.office.get_document(doc_id)["state"] == "draft"


def test_upload_a_pdf_later_on_the_detail_page(site, web):
    doc_id = _doc_id(register(web, site))
    page = f"/staff/documents/{doc_id}"
    assert 'id="need-pdf"' in web.get(page).text
    assert web.get(f"{page}/preview.png").status_code == 404
    token = csrf_from(web.get(page).text)
    bad = web.post(
        f"{page}/pdf", data={"csrf_token": token}, files={"file": ("x.pdf", b"nope", "application/pdf")}
    )
    assert bad.status_code == 415 and "Berkas bukan PDF" in bad.text
    good = web.post(
        f"{page}/pdf", data={"csrf_token": token}, files={"file": ("x.pdf", make_pdf(2), "application/pdf")}
    )
    assert good.status_code == 303
    detail = web.get(page).text
    assert 'id="mark-ready"' in detail and "PDF diunggah" in detail


def test_pages_refuse_other_roles_and_forms_without_csrf(site, web):
    site.system.accounts.create_user("tekno", PASSWORD, "technician")
    with browser(site.url) as tech:
        login(tech, "tekno", PASSWORD)
        assert tech.get("/staff/documents").status_code == 403
    with browser(site.url) as anonymous:
        assert anonymous.get("/staff/documents").status_code == 303
        assert anonymous.get("/api/v1/documents").status_code == 401
    doc_id = _doc_id(register(web, site, pdf=make_pdf(1)))
    assert web.post(f"/staff/documents/{doc_id}/ready", data={}).status_code == 403
    assert site.system.office.get_document(doc_id)["state"] == "draft"
