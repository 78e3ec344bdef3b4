"""Bounded input before trust (DESIGN 5): a request body is held to its route's limit, and an API
request that carries one must show valid credentials, before a byte of the body is read.

The guard judges a request when the app first asks for its body: by then the router has picked
the route, and nothing of the body has been taken from the server yet.

- An ``/api/`` request has its API key (or session) verified then, once, in a worker thread;
  the principal stays in ``scope["state"]``, where ``web.auth.principal`` finds it for the
  route. Without valid credentials it is 401, unless the route admits the Pi itself
  (``require_local_or``) and the request comes from there.
- A declared ``Content-Length`` over the route's limit is 413; a body without one (chunked) is
  counted as it arrives and cut off at the limit, and the answer is 413 whatever the app made
  of the cut.
- Limits per route family (``controller.config.Config``): ``upload_body_limit`` on the routes
  that take a file (a ``File`` parameter), ``body_limit`` on every other route.

Refusals carry ``Connection: close``, so the server stops receiving the rest of the body instead
of draining it. A pure ASGI middleware: a request without a body passes straight through.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass

from fastapi import params
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from controller.kernel.errors import AmbilError, AuthError
from controller.office.pdfcheck import megabytes
from web.auth import identify, loopback_trusted

log = logging.getLogger(__name__)


class _Refused(Exception):
    """Raised into the app from ``receive``: the body will not be read (``Gate.refusal`` says why)."""


@dataclass(frozen=True)
class RouteFamily:
    takes_file: bool = False  # a multipart upload: the larger limit
    admits_loopback: bool = False  # the Pi itself may call it without credentials

    @classmethod
    def of(cls, route) -> RouteFamily:
        if not isinstance(route, APIRoute):
            return cls()
        return cls(_takes_file(route), _admits_loopback(route.dependant))


class BodyGuard:
    """``app.add_middleware(BodyGuard)``; the limits and the loopback trust come from the app's
    System config, the route family from the route the app's router picked."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        length = _content_length(headers)
        if not length and "transfer-encoding" not in headers:
            await self.app(scope, receive, send)  # no body: nothing to bound
            return
        gate = Gate(scope, receive, length)
        started = False

        async def guarded(message: Message) -> None:
            nonlocal started
            if gate.refusal is not None:
                return  # the app's answer to a refused body (a 400, a 500...) is not the answer
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, gate.receive, guarded)
        except Exception:
            if gate.refusal is None:
                raise
            log.debug("the app gave up on a refused body", exc_info=True)
        if gate.refusal is not None and not started:
            await _refuse(scope, send, gate.refusal)


class Gate:
    """The ``receive`` the app gets. Its first call comes once the router has picked the route
    and before a byte of the body has been taken from the server: the credentials and a declared
    length are judged then; every later call counts the bytes against the limit."""

    def __init__(self, scope: Scope, receive: Receive, length: int | None):
        self.scope = scope
        self._receive = receive
        self.length = length
        self.limit: int | None = None
        self.named_mb: float = 0  # the limit the refusal's text names
        self.received = 0
        self.refusal: AmbilError | None = None

    async def receive(self) -> Message:
        if self.refusal is None and self.limit is None:
            self.refusal = await self._admit()
        if self.refusal is not None:
            raise _Refused
        message = await self._receive()
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self.limit:
                self.refusal = _too_large(self.limit, self.named_mb)
                raise _Refused
        return message

    async def _admit(self) -> AmbilError | None:
        scope = self.scope
        family = RouteFamily.of(scope.get("route"))
        config = scope["app"].state.system.config
        self.limit = config.upload_body_limit if family.takes_file else config.body_limit
        # a person sending a file acts on the file's limit, not on the framing allowance above it
        named = config.office.max_upload_mb * 2**20 if family.takes_file else self.limit
        self.named_mb = megabytes(int(named))
        if scope["path"].startswith("/api/") and not await _identified(Request(scope), family):
            return AuthError("send Authorization: Bearer <API key>, or log in", key="auth.missing")
        if self.length is not None and self.length > self.limit:
            return _too_large(self.limit, self.named_mb)
        return None


async def _identified(request: Request, family: RouteFamily) -> bool:
    """True when the request may go on to have its body read."""
    if family.admits_loopback and loopback_trusted(request):
        return True
    return await identify(request) is not None  # a database lookup, in a worker thread


async def _refuse(scope: Scope, send: Send, error: AmbilError) -> None:
    """Answer with the app's own error handler (web/errors.py: JSON for the API, a page for
    pages), and close the connection rather than read what is left of the body."""
    app = scope["app"]
    handler = app.exception_handlers[AmbilError]
    response = await handler(Request(scope, _nothing), error)
    response.headers["connection"] = "close"
    await response(scope, _nothing, send)


async def _nothing() -> Message:
    return {"type": "http.disconnect"}


def _too_large(limit: int, named_mb: float) -> AmbilError:
    detail = f"request body over {limit / 2**20:g} MB on this route"
    return AmbilError(detail, key="request.too_large", limit_mb=named_mb)


def _content_length(headers: Headers) -> int | None:
    try:
        return int(headers["content-length"])
    except (KeyError, ValueError):
        return None


def _takes_file(route: APIRoute) -> bool:
    return route.body_field is not None and isinstance(route.body_field.field_info, params.File)


def _admits_loopback(dependant: Dependant) -> bool:
    return any(getattr(dep.call, "admits_loopback", False) for dep in _walk(dependant))


def _walk(dependant: Dependant) -> Iterator[Dependant]:
    for dep in dependant.dependencies:
        yield dep
        yield from _walk(dep)
