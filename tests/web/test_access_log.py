"""web.access_log: the pure ASGI access log logs what the old ``@app.middleware`` did (method,
route template, status, time) and sets a CSRF cookie a page made up; it also logs a request whose
app raised (500), which the old middleware never reached."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from web.access_log import AccessLog
from web.csrf import CSRF_COOKIE, cookie_value


def _app() -> FastAPI:
    app = FastAPI()

    @app.get("/p/{code}")
    async def page(code: str, request: Request):
        cookie_value(request)  # a page that shows a form makes up the CSRF cookie
        return {"ok": True}

    @app.get("/boom")
    async def boom():
        raise RuntimeError("unexpected")

    app.add_middleware(AccessLog)
    return app


def _lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "ambil.access"]


def test_logs_the_route_template_and_status_and_sets_the_new_csrf_cookie(caplog):
    caplog.set_level(logging.INFO, logger="ambil.access")
    with TestClient(_app()) as client:
        answer = client.get("/p/SECRETCODE")
        assert answer.status_code == 200
        assert answer.cookies.get(CSRF_COOKIE)
        client.cookies.set(CSRF_COOKIE, "already")
        again = client.get("/p/SECRETCODE")
        assert "set-cookie" not in again.headers
    (first, second) = _lines(caplog)
    assert first.startswith("GET /p/{code} 200 ") and first.endswith("ms")
    assert "SECRETCODE" not in first + second


def test_a_request_whose_app_raised_is_logged_as_500(caplog):
    caplog.set_level(logging.INFO, logger="ambil.access")
    with TestClient(_app(), raise_server_exceptions=False) as client:
        assert client.get("/boom").status_code == 500
    assert [line.split()[:3] for line in _lines(caplog)] == [["GET", "/boom", "500"]]


def test_a_request_no_route_matched_logs_a_dash(caplog):
    caplog.set_level(logging.INFO, logger="ambil.access")
    with TestClient(_app()) as client:
        assert client.get("/nowhere").status_code == 404
    assert [line.split()[:3] for line in _lines(caplog)] == [["GET", "-", "404"]]
