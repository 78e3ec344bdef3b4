"""API-key authentication: ``Authorization: Bearer KEY``, checked against the office's key table.

Keys carry one role: admin, staff, technician, lane, agency. A lane-only process has no key table;
there the few lane endpoints that need a person accept requests from the Pi itself (loopback).
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from controller.errors import AuthError

LOOPBACK = {"127.0.0.1", "::1", "localhost"}


@dataclass(frozen=True)
class Principal:
    role: str
    lane_id: str | None = None
    key_id: int | None = None
    label: str = ""

    @property
    def actor(self) -> str:
        return f"{self.role}:{self.label or self.key_id or 'local'}"


def principal(request: Request) -> Principal | None:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("bearer "):
        return None
    office = request.app.state.system.office
    if office is None:
        return None
    found = office.lookup_api_key(header[7:].strip())
    if not found:
        return None
    return Principal(
        role=found["role"],
        lane_id=found.get("lane_id"),
        key_id=found.get("id"),
        label=found.get("label") or "",
    )


def require(*roles: str):
    """A dependency that admits only API keys of the given roles."""

    def dependency(request: Request) -> Principal:
        who = principal(request)
        if who is None:
            raise AuthError("send Authorization: Bearer <API key>", key="auth.missing")
        if who.role not in roles:
            raise AuthError(f"role {who.role!r} may not do this", key="auth.forbidden")
        return who

    return dependency


def require_local_or(*roles: str):
    """Admit the given roles, or any request from this machine (the lane Pi's own CLI)."""
    check = require(*roles)

    def dependency(request: Request) -> Principal:
        if request.client is not None and request.client.host in LOOPBACK:
            return principal(request) or Principal(role="local")
        return check(request)

    return dependency
