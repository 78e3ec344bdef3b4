"""Lane API and the lane screen: status, simulated scans, short-code entry, live events."""

from __future__ import annotations

import asyncio
import json

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import HTMLResponse, StreamingResponse
from pydantic import BaseModel, Field

from controller.kernel.errors import AmbilError
from web.auth import Principal, require_local_or

router = APIRouter(tags=["lane"])


def _lane(request: Request):
    lane = request.app.state.system.lane
    if lane is None:
        raise AmbilError("this process runs no lane (role = office)", key="device.failed")
    return lane


@router.get("/api/v1/lane", summary="The lane's state and each device's state")
def lane_status(
    request: Request, who: Principal = Depends(require_local_or("staff", "technician", "admin", "lane"))
):
    return _lane(request).status()


class ScanText(BaseModel):
    text: str = Field(min_length=1, max_length=4096)


@router.post("/api/v1/lane/scan", summary="Simulated scanner: inject a read text")
def scan_text(
    body: ScanText, request: Request, who: Principal = Depends(require_local_or("technician", "admin"))
):
    return {"read": _lane(request).simulate_scan(text=body.text)}


@router.post("/api/v1/lane/scan/image", summary="Simulated camera: decode an image and read what is in it")
async def scan_image(
    request: Request,
    file: UploadFile = File(...),
    who: Principal = Depends(require_local_or("technician", "admin")),
):
    data = await file.read(20 * 2**20)
    return {"read": _lane(request).simulate_scan(image=data)}


class ShortCode(BaseModel):
    digits: str = Field(min_length=1, max_length=32)


@router.post("/api/v1/lane/short-code", summary="The driver typed a short code on the lane screen")
def short_code(
    body: ShortCode, request: Request, who: Principal = Depends(require_local_or("technician", "admin"))
):
    _lane(request).enter_short_code(body.digits)
    return {"accepted": True}


class Pin(BaseModel):
    digits: str = Field(min_length=1, max_length=16)


@router.post("/api/v1/lane/pin", summary="The driver typed the PIN of a sensitive document")
def pin(body: Pin, request: Request, who: Principal = Depends(require_local_or("technician", "admin"))):
    _lane(request).enter_pin(body.digits)
    return {"accepted": True}


class Rating(BaseModel):
    score: int = Field(ge=1, le=5)


@router.post("/api/v1/lane/rating", summary="The driver's one-touch rating of the pickup just made")
def rating(body: Rating, request: Request, who: Principal = Depends(require_local_or("technician", "admin"))):
    return {"counted": _lane(request).rate(body.score)}


@router.get("/lane", response_class=HTMLResponse, include_in_schema=False)
def lane_screen(request: Request, lang: str = "id"):
    templates = request.app.state.templates
    lane = _lane(request)
    return templates.TemplateResponse(
        request,
        "lane.html",
        {
            "lang": "en" if lang == "en" else "id",
            "lane_name": lane.settings.name,
            "view": lane.screen.view.to_dict(),
        },
    )


@router.get("/lane/events", include_in_schema=False)
async def lane_events(request: Request):
    """Server-sent events: the current view at once, then every change (EventSource reconnects)."""
    lane = _lane(request)
    loop = asyncio.get_running_loop()
    updates: asyncio.Queue = asyncio.Queue(maxsize=100)

    def notify(view) -> None:  # called from the lane's threads
        loop.call_soon_threadsafe(_put_latest, updates, view.to_dict())

    unsubscribe = lane.screen.subscribe(notify)

    async def stream():
        try:
            yield _event(lane.screen.view.to_dict())
            while True:
                try:
                    view = await asyncio.wait_for(updates.get(), timeout=15)
                    yield _event(view)
                except TimeoutError:
                    yield ": keep-alive\n\n"
                if await request.is_disconnected():
                    break
        finally:
            unsubscribe()

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


def _put_latest(queue: asyncio.Queue, item: dict) -> None:
    if queue.full():  # a slow screen only needs the newest state
        queue.get_nowait()
    queue.put_nowait(item)


def _event(view: dict) -> str:
    return f"event: view\ndata: {json.dumps(view)}\n\n"
