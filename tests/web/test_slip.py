"""The A6 pickup slip as web/ draws it: one page, the QR decodes back to the code, the texts from
the catalogs (the check that a slip is printed only for a live code: tests/controller/office/test_slip.py)."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from pypdf import PdfReader

from controller.kernel.codes import new_code
from controller.kernel.zone import load_zone
from hardware.scanner.decoder import QrDecoder
from tests.rigs.unavailable import rig_unavailable
from web.pages.slip import render_slip

A6_POINTS = (105 / 25.4 * 72, 148 / 25.4 * 72)


def _render(code: str, **overrides) -> bytes:
    values = {
        "code": code,
        "short_code": "0123456789",
        "expires_at": 1_750_000_000.0 + 14 * 86400,
        "title": "Akta Kelahiran",
        "reference": "AKT-2025-001",
        "lane_hint": "Lajur 1",
        "zone": load_zone("Asia/Makassar"),
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
