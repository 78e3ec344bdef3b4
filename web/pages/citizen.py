"""The citizen's page ``/p/{code}``: the pickup QR large on a phone, with the short code and expiry.

No login: the code in the link is the credential. The page never logs the code (requests are
logged by route template), is never cached and never sends it on as a referrer. For a code that
can no longer be collected it says only why, never which document it was.
"""

from __future__ import annotations

import base64
import logging

from fastapi import APIRouter, Request

from controller.kernel.errors import CodeError
from controller.office.qr import qr_png
from web.deps import OfficeDep, zone_of
from web.i18n import request_lang
from web.i18n.documents import format_short_code
from web.i18n.times import format_time
from web.pages.render import render

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}
QR_SCALE = 12  # 37 modules with the quiet zone -> 444 px, shown scaled to the screen width


@router.get("/p/{code}")
def citizen_page(request: Request, office: OfficeDep, code: str):
    lang = request_lang(request)
    context: dict = {"status": "unknown"}
    status_code = 404
    if office is not None:
        try:
            found = office.code_status(code)
        except CodeError:  # malformed or unknown: the same friendly "not recognised" page
            found = None
        if found is not None:
            status_code = 200
            context["status"] = found.status
            if found.live:
                png = qr_png(code.strip(), scale=QR_SCALE)
                context.update(
                    qr_data_uri="data:image/png;base64," + base64.b64encode(png).decode("ascii"),
                    title=found.title,
                    short_code=format_short_code(found.short_code),
                    expires=format_time(found.expires_at, lang, zone_of(request)),
                    lane=found.lane_hint,
                )
            else:
                status_code = 410 if found.status != "checking" else 200
    response = render(request, "citizen.html", context, status=status_code)
    response.headers.update(HEADERS)
    return response
