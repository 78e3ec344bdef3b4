"""The page a lane's print self-test prints (A4): the lane, the time in the site's zone, a grey
ramp and a frame to check the margins; its words from the catalogs (``testpage.*``). The lane
asks for it through the ``test_page`` callable the composition root hands it (web/app.py)."""

from __future__ import annotations

import io
import time
from datetime import tzinfo

from web.i18n import t
from web.i18n.times import format_time


def _both(key: str, **values) -> str:
    return f"{t('id', key, **values)} / {t('en', key, **values)}"


def selftest_page_pdf(lane_id: str, lane_name: str, *, zone: tzinfo) -> bytes:
    """The test page as PDF bytes."""
    from reportlab.lib.pagesizes import A4  # imported when a test page is printed, not at start
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    width, height = A4
    page.setTitle(t("en", "testpage.title"))
    page.rect(20, 20, width - 40, height - 40)
    page.setFont("Helvetica-Bold", 28)
    page.drawString(60, height - 100, f"ambil - {_both('testpage.title')}")
    page.setFont("Helvetica", 14)
    page.drawString(60, height - 140, f"{_both('testpage.lane')}: {lane_name} ({lane_id})")
    page.drawString(60, height - 162, format_time(time.time(), "id", zone, "seconds"))
    for step in range(10):
        page.setFillGray(step / 10)
        page.rect(60 + step * 45, height - 260, 40, 60, fill=1, stroke=0)
    page.setFillGray(0)
    page.drawString(60, height - 300, _both("testpage.not_a_document"))
    page.showPage()
    page.save()
    return buffer.getvalue()
