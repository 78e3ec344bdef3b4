"""The access log and the new CSRF cookie, as a pure ASGI middleware.

Starlette's ``@app.middleware("http")`` (BaseHTTPMiddleware) runs the app in a task of its own and
passes the response through a memory stream: about half a millisecond per request on the lanes'
hot path (claim, report, heartbeat; issue 13 point 5). This wraps ``send`` instead.
"""

from __future__ import annotations

import logging
import time

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.csrf import set_cookie_if_new

access_log = logging.getLogger("ambil.access")


class AccessLog:
    """``app.add_middleware(AccessLog)``: one line per HTTP request (method, route template,
    status, time), and the CSRF cookie a page made up set on its response."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # the app raised before it answered

        async def send_logged(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                cookie = _new_cookie_headers(scope)
                if cookie:
                    message = {**message, "headers": [*message.get("headers", []), *cookie]}
            await send(message)

        try:
            await self.app(scope, receive, send_logged)
        finally:
            # the route template, never the raw path: a path may hold a pickup code
            route = getattr(scope.get("route"), "path", "-")
            elapsed = (time.perf_counter() - started) * 1000
            access_log.info("%s %s %d %.1fms", scope["method"], route, status, elapsed)


def _new_cookie_headers(scope: Scope) -> list[tuple[bytes, bytes]]:
    """The Set-Cookie header of a CSRF cookie made up during this request (web.csrf), if any."""
    state = scope.get("state") or {}
    if not state.get("new_csrf_cookie"):
        return []
    carrier = Response()
    set_cookie_if_new(Request(scope), carrier)
    return [(name, value) for name, value in carrier.raw_headers if name == b"set-cookie"]
