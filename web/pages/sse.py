"""Server-sent events of the web pages (the lane screen, the dashboard), on sse-starlette."""

from __future__ import annotations

from collections.abc import AsyncIterable

from sse_starlette import EventSourceResponse

KEEPALIVE_SECONDS = 15  # a comment line this often keeps proxies from closing an idle stream


def event_stream(events: AsyncIterable) -> EventSourceResponse:
    """``events`` (``ServerSentEvent`` or dicts) as a ``text/event-stream`` response.

    sse-starlette writes the format, sends the keep-alive comments and ends the stream (cancels
    the generator, so its ``finally`` runs) when the browser goes away. Never cached, never
    buffered by nginx (``X-Accel-Buffering``).
    """
    return EventSourceResponse(
        events,
        ping=KEEPALIVE_SECONDS,
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
