"""Who is asking: an API key (``Authorization: Bearer KEY``) or a logged-in person (session cookie).

Roles: admin, staff, technician (people, who log in), lane, agency (systems, with API keys; an
API key may also carry a people role for scripts). Pages take only sessions; the API takes both,
and a cookie-authenticated API call that changes something must carry the CSRF header.
A lane-only process has no key table: there the few lane endpoints that need a person accept
requests from the Pi itself (loopback).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from controller.kernel.errors import AuthError
from web.deps import system_of

LOOPBACK = {"127.0.0.1", "::1", "localhost"}
SESSION_COOKIE = "ambil_session"
PEOPLE = ("staff", "technician", "admin")
_UNSET = object()


@dataclass(frozen=True)
class Principal:
    role: str
    lane_id: str | None = None
    key_id: int | None = None
    label: str = ""
    user_id: int | None = None
    username: str = ""
    language: str = "id"
    via: str = "key"  # key | session | local

    @property
    def actor(self) -> str:
        if self.user_id is not None:
            return f"user:{self.user_id}"
        return f"{self.role}:{self.label or self.key_id or 'local'}"


class LoginRequired(Exception):
    """A page needs a logged-in person; answered with a redirect to /login."""

    def __init__(self, next_path: str):
        self.next_path = next_path


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


def key_principal(request: Request, *, cached_only: bool = False) -> Principal | None:
    """The API key's principal; ``cached_only``: from the office's memory of live keys only
    (``controller.office.apikey_cache``: no database, so callable on the event loop)."""
    key = _bearer(request)
    office = system_of(request).office
    if key is None or office is None:
        return None
    found = office.cached_api_key(key) if cached_only else office.lookup_api_key(key)
    if not found:
        return None
    return Principal(
        role=found["role"],
        lane_id=found.get("lane_id"),
        key_id=found.get("id"),
        label=found.get("label") or "",
    )


def session_principal(request: Request) -> Principal | None:
    accounts = system_of(request).accounts
    token = request.cookies.get(SESSION_COOKIE, "")
    if accounts is None or not token:
        return None
    user = getattr(request.state, "session_user", _UNSET)
    if user is _UNSET:  # look the session up once per request
        user = accounts.session_user(token)
        request.state.session_user = user
    if user is None:
        return None
    return Principal(
        role=user.role,
        user_id=user.id,
        username=user.username,
        language=user.language,
        label=user.username,
        via="session",
    )


def principal(request: Request) -> Principal | None:
    """The API key's principal, else the session's; looked up once per request (web.body_guard
    does it before the body is read, for an API request that has one)."""
    found = getattr(request.state, "principal", _UNSET)
    if found is _UNSET:
        found = key_principal(request) or session_principal(request)
        request.state.principal = found
    return found


def loopback_trusted(request: Request) -> bool:
    """A request from the Pi itself, where ``lane.trust_loopback`` lets it use the local lane routes."""
    trusted = system_of(request).config.lane.trust_loopback
    return bool(trusted and request.client is not None and request.client.host in LOOPBACK)


async def identify(request: Request) -> Principal | None:
    """``principal`` from async code: at once when web.body_guard has looked it up already (an API
    request with a body) or its key is one the office confirmed live seconds ago, else in one
    worker thread (a database lookup)."""
    found = getattr(request.state, "principal", _UNSET)
    if found is not _UNSET:
        return found
    found = key_principal(request, cached_only=True)  # a key confirmed moments ago: no thread hop
    if found is not None:
        request.state.principal = found
        return found
    return await run_in_threadpool(principal, request)


def require(*roles: str):
    """An API dependency: an API key or a session of one of ``roles``. Async, so a request whose
    key the body guard has checked reaches its endpoint without another thread hop."""

    async def dependency(request: Request) -> Principal:
        who = await identify(request)
        if who is None:
            raise AuthError("send Authorization: Bearer <API key>, or log in", key="auth.missing")
        if who.role not in roles:
            raise AuthError(f"role {who.role!r} may not do this", key="auth.forbidden")
        if who.via == "session" and request.method not in ("GET", "HEAD", "OPTIONS"):
            from web.csrf import check_csrf_header

            check_csrf_header(request)
        return who

    return dependency


def require_page(*roles: str):
    """A page dependency: a logged-in person of one of ``roles``; others go to the login page."""

    def dependency(request: Request) -> Principal:
        who = session_principal(request)
        if who is None:
            path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise LoginRequired(quote(path, safe="/?=&"))
        if who.role not in roles:
            raise AuthError(f"role {who.role!r} may not open this page", key="auth.forbidden")
        return who

    return dependency


def require_local_or(*roles: str):
    """Admit the given roles, or any request from this machine (the lane Pi's own CLI and screen)."""
    check = require(*roles)

    async def dependency(request: Request) -> Principal:
        if loopback_trusted(request):
            return await identify(request) or Principal(role="local", via="local")
        return await check(request)

    dependency.admits_loopback = True  # web.body_guard: no credentials needed from the Pi itself
    return dependency
