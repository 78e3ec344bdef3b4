"""CSRF protection for every form and every cookie-authenticated change.

A random value lives in an HttpOnly, SameSite=Strict cookie; forms carry HMAC(secret, value) in
a hidden ``csrf_token`` field (or the ``X-CSRF-Token`` header for scripts). Another site can
neither read the cookie nor compute the HMAC, so it cannot forge a valid form. Stateless, so the
login form is protected the same way as every other.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request

from controller.kernel.errors import AuthError

CSRF_COOKIE = "ambil_csrf"
FIELD = "csrf_token"
HEADER = "x-csrf-token"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def cookie_value(request: Request) -> str:
    """The request's CSRF cookie, made up now (and set on the response) when it has none."""
    value = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf_cookie", None)
    if not value:
        value = secrets.token_urlsafe(32)
        request.state.new_csrf_cookie = value
    return value


def csrf_token(request: Request) -> str:
    secret: bytes = request.app.state.csrf_secret
    return hmac.new(secret, cookie_value(request).encode(), hashlib.sha256).hexdigest()


def _valid(request: Request, sent: str | None) -> bool:
    if not sent or not request.cookies.get(CSRF_COOKIE):
        return False
    return hmac.compare_digest(sent, csrf_token(request))


def check_csrf_header(request: Request) -> None:
    if not _valid(request, request.headers.get(HEADER)):
        raise AuthError("missing or wrong X-CSRF-Token", key="auth.csrf")


async def verify_csrf(request: Request) -> None:
    """Router dependency for pages: every unsafe request must carry a valid token."""
    if request.method not in UNSAFE:
        return
    sent = request.headers.get(HEADER)
    if not sent:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            sent = form.get(FIELD)
    if not _valid(request, sent if isinstance(sent, str) else None):
        raise AuthError("missing or wrong csrf_token", key="auth.csrf")


def set_cookie_if_new(request: Request, response) -> None:
    value = getattr(request.state, "new_csrf_cookie", None)
    if value and not request.cookies.get(CSRF_COOKIE):
        response.set_cookie(
            CSRF_COOKIE,
            value,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/",
        )
