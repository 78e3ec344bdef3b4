"""Maps typed errors to HTTP responses, in one place: the HTTP status of every error key.

The domain's errors carry a key only (``controller.kernel.errors``); the status each key answers
with is ``HTTP_STATUS`` here and the text a person reads is ``error.<key>`` in the catalogs (web/i18n).
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from controller.kernel.errors import AmbilError
from web.auth import LoginRequired
from web.i18n import error_text

log = logging.getLogger(__name__)

HTTP_STATUS: dict[str, int] = {
    "code.malformed": 400,
    "code.unknown": 404,
    "code.expired": 410,
    "code.revoked": 410,
    "code.already_released": 409,
    "code.in_progress": 409,
    "code.wrong_lane": 409,
    "code.locked_out": 429,
    "code.pin_wrong": 401,
    "code.pin_locked": 423,
    "code.pin_expired": 408,
    "code.pin_required": 401,
    "claim.conflict": 409,
    "office.unreachable": 503,
    "document.not_found": 404,
    "document.bad_state": 409,
    "document.invalid": 422,
    "upload.empty": 422,
    "upload.not_pdf": 415,
    "upload.too_large": 413,
    "upload.too_many_pages": 422,
    "upload.encrypted": 422,
    "upload.damaged": 422,
    "locker.unknown_door": 422,
    "locker.door_taken": 409,
    "locker.to_retrieve": 409,
    "locker.awaiting_sync": 409,
    "locker.not_loaded": 409,
    "locker.door_open": 409,
    "locker.out_of_order": 409,
    "locker.too_small": 422,
    "lane.unreachable": 503,
    "lane.busy": 503,
    "print.not_confirmed": 502,
    "print.not_printed": 502,
    "print.media_empty": 502,
    "print.media_jam": 502,
    "print.toner_empty": 502,
    "print.door_open": 502,
    "print.offline": 503,
    "print.aborted": 502,
    "print.unavailable": 503,
    "door.not_detected": 502,
    "door.out_of_service": 503,
    "device.failed": 503,
    "auth.missing": 401,
    "auth.forbidden": 403,
    "auth.bad_login": 401,
    "auth.locked": 423,
    "auth.csrf": 403,
    "auth.weak_password": 422,
    "user.exists": 409,
    "user.not_found": 404,
    "alert.not_found": 404,
    "lane.not_found": 404,
    "scan.bad_image": 422,
    "request.invalid": 422,
    "request.too_large": 413,
    "agency.conflict": 409,
    "http.not_found": 404,
    "http.method_not_allowed": 405,
    "http.error": 400,
    "server.error": 500,
}
# Starlette's own errors (no route, wrong method...) by status; any other status is http.error
HTTP_KEYS = {404: "http.not_found", 405: "http.method_not_allowed"}


def http_status(exc: AmbilError) -> int:
    """The HTTP status ``exc`` answers a request with."""
    return HTTP_STATUS[exc.key]


def error_body(exc: AmbilError) -> dict:
    """The JSON body of an error answer: its key, its text in both languages, detail and params."""
    body = {"error": exc.key, "message": error_text("id", exc), "message_en": error_text("en", exc)}
    if exc.detail:
        body["detail"] = exc.detail
    if exc.params:
        body.update(exc.params)
    return body


def is_page(request: Request) -> bool:
    """Pages answer errors with HTML; the API, health and event streams with JSON."""
    path = request.url.path
    return not (path.startswith(("/api/", "/healthz", "/readyz", "/metrics", "/lane/events")))


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired):
        return RedirectResponse(f"/login?next={exc.next_path}", status_code=303)

    @app.exception_handler(AmbilError)
    async def ambil_error(request: Request, exc: AmbilError):
        return _answer(request, exc, http_status(exc), body=error_body(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError):
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path"))
            problems.append(f"{where}: {err.get('msg')}")
        detail = "; ".join(problems)
        body = {**_texts("request.invalid"), "detail": detail, "problems": problems}
        return _answer(request, AmbilError(detail, key="request.invalid"), 422, body=body)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        key = HTTP_KEYS.get(exc.status_code, "http.error")
        detail = "" if exc.detail in (None, "Not Found", "Method Not Allowed") else str(exc.detail)
        body = {**_texts(key), **({"detail": detail} if detail else {})}
        return _answer(request, AmbilError(detail, key=key), exc.status_code, body=body, headers=exc.headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        log.exception("unexpected error on %s %s", request.method, _route(request))
        return _answer(request, AmbilError(key="server.error"), 500, body=_texts("server.error"))


def _texts(key: str) -> dict:
    return error_body(AmbilError(key=key))


def _answer(request: Request, exc: AmbilError, status: int, *, body: dict, headers=None):
    """An error as a page for a browser's page (every error a person can reach reads as a page,
    in their language), as JSON for the API, health and event streams."""
    if not is_page(request):
        return JSONResponse(body, status_code=status, headers=headers)
    from web.i18n import request_lang
    from web.pages.render import render

    lang = request_lang(request)
    response = render(
        request, "error.html", {"message": error_text(lang, exc), "detail": exc.detail}, status=status
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _route(request: Request) -> str:
    route = request.scope.get("route")
    return getattr(route, "path", "?")
