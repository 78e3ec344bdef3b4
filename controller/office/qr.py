"""Render a pickup code as a QR symbol: version 3 at error correction Q (29x29 modules)."""

from __future__ import annotations

import io

import segno

EXPECTED_VERSION = 3


def _make(code: str) -> segno.QRCode:
    # boost_error=False keeps level Q fixed, so every code yields the same symbol size.
    qr = segno.make(code, error="q", boost_error=False)
    if qr.version != EXPECTED_VERSION:
        raise ValueError(f"pickup code gives QR version {qr.version}, expected {EXPECTED_VERSION}")
    return qr


def qr_png(code: str, scale: int = 10) -> bytes:
    """PNG bytes of the code's QR, ``scale`` pixels per module, with the standard 4-module border."""
    buf = io.BytesIO()
    _make(code).save(buf, kind="png", scale=scale)
    return buf.getvalue()


def qr_svg(code: str) -> str:
    """SVG text of the code's QR (scalable; for slips and web pages)."""
    buf = io.BytesIO()
    _make(code).save(buf, kind="svg", xmldecl=False, svgns=True)
    return buf.getvalue().decode("utf-8")


def qr_matrix_size(code: str) -> int:
    """Modules per side of the code's QR without the border (29 for version 3)."""
    width, _height = _make(code).symbol_size(border=0)
    return width
