"""The citizen page /p/{code} over real HTTP: no login, both languages, dead codes say why, headers."""

from __future__ import annotations

import base64
import logging
import re

import pytest

from controller.kernel.codes import code_hash, new_code
from hardware.scanner.decoder import QrDecoder
from tests.conftest import make_pdf
from tests.rigs.server import LiveServer
from tests.web.helpers import browser

QR_SRC = re.compile(r'id="qr" src="data:image/png;base64,([A-Za-z0-9+/=]+)"')


@pytest.fixture
def site(build):
    system = build()
    with LiveServer(system) as server:
        yield server


def _ready(site, title="Akta Kelahiran", reference="AKT-1"):
    office = site.system.office
    doc = office.create_document(
        kind="print", title=title, reference=reference, pdf=make_pdf(1), actor="staff:test",
        citizen_name="Budi Santoso", citizen_phone="081234567890",
    )  # fmt: skip
    return doc["id"], office.mark_ready(doc["id"], "staff:test")


def _check_headers(response):
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"


def test_a_live_code_shows_the_qr_short_code_and_expiry_in_both_languages(site, caplog):
    _doc_id, issued = _ready(site)
    caplog.set_level(logging.DEBUG)
    with browser(site.url) as phone:
        page = phone.get(f"/p/{issued.code}")
        assert page.status_code == 200
        _check_headers(page)
        short = issued.short_code
        assert f"{short[:5]} {short[5:]}" in page.text
        assert "Akta Kelahiran" in page.text and "Tunjukkan" not in page.text
        assert "tunjukkan QR ini ke kamera" in page.text and "Berlaku sampai" in page.text
        assert "Budi" not in page.text and "0812" not in page.text  # no personal data
        png = base64.b64decode(QR_SRC.search(page.text).group(1))
        assert QrDecoder().decode_bytes(png) == [issued.code]  # the QR on the page is this code

        english = phone.get(f"/p/{issued.code}?lang=en")
        assert english.status_code == 200 and 'lang="en"' in english.text
        assert "show this QR to the camera" in english.text and "Valid until" in english.text
    # never logged by ambil, not even by its access log (the test client and uvicorn's own access
    # log, which `ambil serve` turns off, are not ambil's)
    ours = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore", "uvicorn"))]
    assert any(r.name == "ambil.access" for r in ours)
    assert not [r for r in ours if issued.code in r.getMessage()]


def test_dead_codes_say_why_and_nothing_else(site):
    office = site.system.office
    lane = site.system.config.lane.id
    cases = {}
    doc_id, issued = _ready(site)
    replaced = issued.code
    cases["replaced"] = (replaced, "sudah diganti", "was replaced")
    newest = office.reissue(doc_id, "staff:test")
    office.claim(code_hash=code_hash(newest.code), claim_id="c-1", lane_id=lane)
    office.report(claim_id="c-1", lane_id=lane, outcome="released")
    cases["released"] = (newest.code, "sudah diambil", "already been collected")
    doc_id, issued = _ready(site, title="Dibatalkan", reference="X")
    office.cancel(doc_id, "staff:test")
    cases["cancelled"] = (issued.code, "sudah dibatalkan", "has been cancelled")
    with browser(site.url) as phone:
        for status, (code, text_id, text_en) in cases.items():
            page = phone.get(f"/p/{code}?lang=id")  # ?lang=en below is remembered in a cookie
            assert page.status_code == 410, status
            _check_headers(page)
            assert text_id in page.text and f'id="status-{status}"' in page.text
            assert "Akta" not in page.text and 'id="qr"' not in page.text
            assert text_en in phone.get(f"/p/{code}?lang=en").text


def test_expired_code(site):
    _doc_id, issued = _ready(site)
    site.system.office.clock = lambda: issued.expires_at + 1
    with browser(site.url) as phone:
        page = phone.get(f"/p/{issued.code}")
        assert page.status_code == 410 and "kedaluwarsa" in page.text


@pytest.mark.parametrize("code", ["hello", "AMB1" + "A" * 25, "amb1" + "a" * 26, new_code()])
def test_malformed_or_unknown_codes_get_a_friendly_404(site, code):
    with browser(site.url) as phone:
        page = phone.get(f"/p/{code}")
        assert page.status_code == 404
        _check_headers(page)
        assert "Kode tidak dikenali" in page.text and 'id="status-unknown"' in page.text
        assert "text/html" in page.headers["content-type"]
