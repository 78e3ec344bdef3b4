"""The pickup QR as an image (``/api/v1/qr/{code}.png``).

It renders any well-formed code without looking it up, so it tells nothing about which codes
exist; whoever asks already holds the code. Requests are logged by route, never by path.
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Response

from controller.kernel.codes import parse_code
from controller.office.qr import qr_png

router = APIRouter(prefix="/api/v1/qr", tags=["codes"])


@router.get(
    "/{code}.png",
    summary="The QR image of a pickup code (version 3-Q)",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}},
)
def qr_image(code: str, scale: int = Query(10, ge=2, le=40)):
    png = qr_png(parse_code(code), scale=scale)
    return Response(png, media_type="image/png", headers={"Cache-Control": "no-store"})
