"""Lane API: status, simulated scans, short-code and PIN entry, the rating.

The screen itself is web/pages/lane_screen.py.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, File, UploadFile
from pydantic import Field

from web.api.strict import StrictBody
from web.auth import Principal, require_local_or
from web.deps import LaneDep
from web.i18n.lane_screen import with_texts

router = APIRouter(tags=["lane"])


@router.get("/api/v1/lane", summary="The lane's state and each device's state")
def lane_status(
    lane: LaneDep, who: Principal = Depends(require_local_or("staff", "technician", "admin", "lane"))
):
    status = lane.status()
    status["view"] = with_texts(status["view"])  # the lane sends keys; the texts are the web's
    return status


class ScanText(StrictBody):
    text: str = Field(min_length=1, max_length=4096)


@router.post("/api/v1/lane/scan", summary="Simulated scanner: inject a read text")
def scan_text(
    body: ScanText, lane: LaneDep, who: Principal = Depends(require_local_or("technician", "admin"))
):
    return {"read": lane.simulate_scan(text=body.text)}


@router.post("/api/v1/lane/scan/image", summary="Simulated camera: decode an image and read what is in it")
async def scan_image(
    lane: LaneDep,
    file: UploadFile = File(...),
    who: Principal = Depends(require_local_or("technician", "admin")),
):
    data = await file.read(20 * 2**20)
    return {"read": lane.simulate_scan(image=data)}


class ShortCode(StrictBody):
    digits: str = Field(min_length=1, max_length=32)


@router.post("/api/v1/lane/short-code", summary="The driver typed a short code on the lane screen")
def short_code(
    body: ShortCode, lane: LaneDep, who: Principal = Depends(require_local_or("technician", "admin"))
):
    lane.enter_short_code(body.digits)
    return {"accepted": True}


class Pin(StrictBody):
    digits: str = Field(min_length=1, max_length=16)


@router.post("/api/v1/lane/pin", summary="The driver typed the PIN of a sensitive document")
def pin(body: Pin, lane: LaneDep, who: Principal = Depends(require_local_or("technician", "admin"))):
    lane.enter_pin(body.digits)
    return {"accepted": True}


class Rating(StrictBody):
    score: int = Field(ge=1, le=5)


@router.post("/api/v1/lane/rating", summary="The driver's one-touch rating of the pickup just made")
def rating(body: Rating, lane: LaneDep, who: Principal = Depends(require_local_or("technician", "admin"))):
    return {"counted": lane.rate(body.score)}
