"""The lane screen (``/lane``) and its live events (``/lane/events``, server-sent events)."""

from __future__ import annotations

import asyncio
import json

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sse_starlette import ServerSentEvent

from controller.kernel.codes import PIN_DIGITS, SHORT_CODE_DIGITS
from web.deps import LaneDep, system_of
from web.i18n import both, t
from web.i18n.lane_screen import with_texts
from web.pages.sse import event_stream

router = APIRouter(tags=["lane"])


@router.get("/lane", response_class=HTMLResponse, include_in_schema=False)
def lane_screen(request: Request, lane: LaneDep, lang: str = "id"):
    """The kiosk page; the lane's own language switch (``?lang=``), not a staff session's."""
    templates = request.app.state.templates
    lang = "en" if lang == "en" else "id"
    return templates.TemplateResponse(
        request,
        "lane.html",
        {
            "lang": lang,
            "t": lambda key, **values: t(lang, key, **values),
            "lane_name": lane.settings.name,
            "view": with_texts(lane.screen.view.to_dict()),
            "pin_digits": PIN_DIGITS,
            "code_digits": SHORT_CODE_DIGITS,
            # shown at once when the driver presses OK on the keypad: no welcome screen in between
            "checking": both("lane.state.checking"),
            # the <audio> of the spoken prompts, only when the site turned them on (issue 15)
            "speech": system_of(request).config.lane.speech,
        },
    )


@router.get("/lane/events", include_in_schema=False)
async def lane_events(request: Request, lane: LaneDep):
    """Server-sent events: the current view at once, then every change (EventSource reconnects)."""
    loop = asyncio.get_running_loop()
    updates: asyncio.Queue = asyncio.Queue(maxsize=100)

    def notify(view) -> None:  # called from the lane's threads
        loop.call_soon_threadsafe(_put_latest, updates, with_texts(view.to_dict()))

    unsubscribe = lane.screen.subscribe(notify)

    async def stream():
        try:
            yield _event(with_texts(lane.screen.view.to_dict()))
            while True:
                yield _event(await updates.get())
        finally:  # sse-starlette cancels the stream when the screen disconnects
            unsubscribe()

    return event_stream(stream())


def _put_latest(queue: asyncio.Queue, item: dict) -> None:
    if queue.full():  # a slow screen only needs the newest state
        queue.get_nowait()
    queue.put_nowait(item)


def _event(view: dict) -> ServerSentEvent:
    return ServerSentEvent(json.dumps(view), event="view")
