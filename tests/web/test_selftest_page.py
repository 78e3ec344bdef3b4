"""The print self-test's page, drawn by web/ from the catalogs: both languages, the lane, and the
time in the site's zone with its abbreviation."""

from __future__ import annotations

import io

from pypdf import PdfReader

from controller.kernel.zone import load_zone
from web.pages.selftest_page import selftest_page_pdf


def test_the_page_names_the_lane_and_the_zone():
    pdf = selftest_page_pdf("lane-2", "Lajur 2", zone=load_zone("Asia/Jayapura"))
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "halaman uji / test page" in text and "Lajur / lane: Lajur 2 (lane-2)" in text
    assert " WIT" in text and "Bukan dokumen warga. / Not a citizen document." in text
