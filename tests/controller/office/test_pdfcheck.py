from __future__ import annotations

import pytest

from controller.kernel.errors import UploadError
from controller.office.pdfcheck import check_pdf
from tests.controller.office.conftest import make_pdf

LIMITS = {"max_bytes": 10 * 2**20, "max_pages": 5}


def _refused(data: bytes, key: str, **limits) -> UploadError:
    with pytest.raises(UploadError) as err:
        check_pdf(data, **{**LIMITS, **limits})
    assert err.value.key == key
    return err.value


def test_good_pdf_gives_page_count():
    assert check_pdf(make_pdf(3), **LIMITS) == 3


def test_empty():
    _refused(b"", "upload.empty")


def test_renamed_non_pdf():
    png = b"\x89PNG\r\n\x1a\n" + bytes(200)
    _refused(png, "upload.not_pdf")
    _refused(b"hello, this is a text file", "upload.not_pdf")


def test_damaged_pdf():
    _refused(b"%PDF-1.7\n" + b"garbage " * 100, "upload.damaged")
    _refused(make_pdf(2)[:200], "upload.damaged")


def test_encrypted_pdf():
    _refused(make_pdf(1, password="rahasia"), "upload.encrypted")


def test_oversized_says_the_figures():
    data = make_pdf(1) + b"%" + b" " * (12 * 2**20)
    error = _refused(data, "upload.too_large")
    assert error.detail == "12 MB > 10 MB limit"
    assert error.params == {"limit_mb": 10}  # the text a person reads names the limit


def test_too_many_pages():
    error = _refused(make_pdf(6), "upload.too_many_pages")
    assert "6 pages > 5" in error.detail
