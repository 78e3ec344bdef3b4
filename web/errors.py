"""Maps typed errors to HTTP responses, in one place (the statuses live in controller.kernel.errors)."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from controller.kernel.errors import MESSAGES, AmbilError
from web.auth import LoginRequired

log = logging.getLogger(__name__)


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
        if is_page(request):
            from web.i18n import request_lang, t
            from web.pages.render import render

            lang = request_lang(request)
            return render(
                request,
                "error.html",
                {"message": t(lang, f"error.{exc.key}"), "detail": exc.detail},
                status=exc.message.status,
            )
        return JSONResponse(exc.to_dict(), status_code=exc.message.status)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError):
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path"))
            problems.append(f"{where}: {err.get('msg')}")
        msg = MESSAGES["request.invalid"]
        body = {
            "error": "request.invalid",
            "message": msg.id,
            "message_en": msg.en,
            "detail": "; ".join(problems),
            "problems": problems,
        }
        return JSONResponse(body, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        return JSONResponse(
            {"error": f"http.{exc.status_code}", "message": str(exc.detail), "message_en": str(exc.detail)},
            status_code=exc.status_code,
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        log.exception("unexpected error on %s %s", request.method, _route(request))
        return JSONResponse(
            {
                "error": "server.error",
                "message": "Terjadi kesalahan pada server.",
                "message_en": "Internal server error; see the server log.",
            },
            status_code=500,
        )


def _route(request: Request) -> str:
    route = request.scope.get("route")
    return getattr(route, "path", "?")
