"""The pickup slip: one A6 portrait page (105 x 148 mm) that staff print and hand to the citizen.

It carries the QR (drawn as vector modules, so it stays crisp at any printer resolution), the
short code in large digits, the expiry, the document's title and reference, and what to do, in
Bahasa Indonesia with an English line. Never a citizen's name or NIK (UU PDP 27/2022).
Every word on it comes from the catalogs (``slip.*`` in web/i18n); the office only says which
code, document and expiry (``Office.slip_status``).
"""

from __future__ import annotations

import io
import logging
from datetime import tzinfo
from typing import TYPE_CHECKING

import segno

from web.i18n import t
from web.i18n.documents import format_short_code
from web.i18n.times import format_time

if TYPE_CHECKING:  # reportlab is imported when a slip is drawn: a lane process never draws one
    from reportlab.pdfgen.canvas import Canvas

log = logging.getLogger(__name__)

mm = 72 / 25.4  # points per millimetre (reportlab.lib.units.mm)
PAGE_WIDTH, PAGE_HEIGHT = 105 * mm, 148 * mm  # A6 in points, portrait (reportlab's A6)
MARGIN = 7 * mm
QR_QUIET_MODULES = 4  # the quiet zone the QR standard asks for
QR_SIDE = 70 * mm  # 29 + 8 modules: about 1.9 mm per module, easy for a lane camera
FONT = "Helvetica"
FONT_BOLD = "Helvetica-Bold"

INSTRUCTIONS = ("slip.instruction.show", "slip.instruction.type", "slip.instruction.once")


def _fit(text: str, font: str, size: float, width: float) -> str:
    """``text`` cut with an ellipsis so that it fits ``width`` points."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "...", font, size) > width:
        text = text[:-1]
    return text + "..."


def _draw_qr(canvas: Canvas, code: str, x: float, y: float, side: float) -> None:
    """Draw the QR as one filled path (no seams between modules), quiet zone included in ``side``."""
    qr = segno.make(code, error="q", boost_error=False)
    rows = [list(row) for row in qr.matrix]
    count = len(rows) + 2 * QR_QUIET_MODULES
    module = side / count
    canvas.setFillColorRGB(1, 1, 1)
    canvas.rect(x, y, side, side, stroke=0, fill=1)
    path = canvas.beginPath()
    for r, row in enumerate(rows):
        top = y + side - (r + QR_QUIET_MODULES) * module
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1  # one rectangle per run of dark modules
            path.rect(x + (start + QR_QUIET_MODULES) * module, top - module, (c - start) * module, module)
    canvas.setFillColorRGB(0, 0, 0)
    canvas.drawPath(path, stroke=0, fill=1)


def _both(key: str) -> str:
    """A label in both languages on one line: ``Kode angka / number code``."""
    return f"{t('id', key)} / {t('en', key)}"


def _centred(canvas: Canvas, text: str, y: float, font: str, size: float) -> None:
    canvas.setFont(font, size)
    canvas.drawCentredString(PAGE_WIDTH / 2, y, _fit(text, font, size, PAGE_WIDTH - 2 * MARGIN))


def render_slip(
    *,
    code: str,
    short_code: str,
    expires_at: float,
    title: str,
    reference: str | None,
    lane_hint: str | None,
    zone: tzinfo,
) -> bytes:
    """The slip as PDF bytes: one A6 portrait page; the expiry in ``zone`` (``site.timezone``)."""
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), pageCompression=1)
    canvas.setTitle(t("id", "slip.pdf_title"))
    canvas.setAuthor("ambil")
    canvas.setFillColorRGB(0, 0, 0)

    y = PAGE_HEIGHT - MARGIN - 4 * mm
    _centred(canvas, t("id", "slip.heading"), y, FONT_BOLD, 12)
    y -= 4.2 * mm
    _centred(canvas, t("en", "slip.heading"), y, FONT, 8)

    qr_top = y - 2 * mm
    _draw_qr(canvas, code, (PAGE_WIDTH - QR_SIDE) / 2, qr_top - QR_SIDE, QR_SIDE)
    canvas.setFillColorRGB(0, 0, 0)

    y = qr_top - QR_SIDE - 6.5 * mm
    _centred(canvas, format_short_code(short_code), y, "Courier-Bold", 22)
    y -= 4 * mm
    _centred(canvas, _both("slip.number_code"), y, FONT, 7)

    y -= 5.5 * mm
    until = format_time(expires_at, "id", zone, "long")
    _centred(canvas, f"{_both('slip.valid_until')}: {until}", y, FONT_BOLD, 8)
    y -= 4.5 * mm
    _centred(canvas, title, y, FONT, 8.5)
    if reference:
        y -= 3.8 * mm
        _centred(canvas, t("id", "slip.reference", reference=reference), y, FONT, 8)
    if lane_hint:
        y -= 3.8 * mm
        _centred(canvas, f"{_both('slip.lane')}: {lane_hint}", y, FONT, 8)

    y -= 5.5 * mm
    for key in INSTRUCTIONS:
        _centred(canvas, t("id", key), y, FONT, 7.5)
        y -= 3.4 * mm
    _centred(canvas, t("en", "slip.instruction.all"), y - 0.4 * mm, "Helvetica-Oblique", 6.3)

    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
