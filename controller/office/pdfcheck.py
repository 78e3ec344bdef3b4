"""Check an uploaded PDF before it is stored: size, that it is a PDF, readable, unlocked, page count."""

from __future__ import annotations

import io
import logging

from controller.kernel.errors import UploadError

log = logging.getLogger(__name__)

_HEADER_WINDOW = 1024  # the PDF spec lets %PDF- appear within the first 1024 bytes


def megabytes(size: int) -> int | float:
    """``size`` bytes in MB as a person reads it: 10, not 10.0; two decimals at most."""
    value = round(size / 2**20, 2)
    return int(value) if value == int(value) else value


def check_pdf(data: bytes, *, max_bytes: int, max_pages: int) -> int:
    """Return the page count of ``data`` or raise ``UploadError`` with a key saying what is wrong.

    Keys: upload.empty, upload.too_large, upload.not_pdf, upload.damaged, upload.encrypted,
    upload.too_many_pages. A PDF with only an owner password (opens with an empty password) prints
    fine, so it is accepted.
    """
    if not data:
        raise UploadError("0 bytes", key="upload.empty")
    if len(data) > max_bytes:
        raise UploadError(
            f"{megabytes(len(data))} MB > {megabytes(max_bytes)} MB limit",
            key="upload.too_large",
            limit_mb=megabytes(max_bytes),  # the text names the limit
        )
    if b"%PDF-" not in data[:_HEADER_WINDOW]:
        raise UploadError("no %PDF- header", key="upload.not_pdf")
    # imported here: pypdf costs 15 MB of memory, and a lane process imports this module but
    # never checks an upload (the lane's footprint budget, docs/benchmarks.md)
    from pypdf import PasswordType, PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                unlocked = reader.decrypt("") != PasswordType.NOT_DECRYPTED
            except Exception:  # noqa: BLE001 - unsupported cipher: treat as locked
                unlocked = False
            if not unlocked:
                raise UploadError("password-protected", key="upload.encrypted")
        pages = len(reader.pages)
    except UploadError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError) as exc:
        log.info("uploaded PDF is unreadable: %s", type(exc).__name__)
        raise UploadError("cannot be read", key="upload.damaged") from None
    if pages < 1:
        raise UploadError("no pages", key="upload.damaged")
    if pages > max_pages:
        raise UploadError(f"{pages} pages > {max_pages} page limit", key="upload.too_many_pages")
    return pages
