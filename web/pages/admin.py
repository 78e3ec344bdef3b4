"""Admin pages: the overview, users, and document kinds (lanes and keys: admin_lanes, admin_keys).

Admins only. Every change goes through the domain (Accounts, DocumentKinds, Lockers, Office),
which audits it with the admin as actor. A form that fails is shown again with the reason.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from controller.kernel.errors import AmbilError
from controller.office.db.tables import LANGUAGES, USER_ROLES
from controller.office.sessions import lock_minutes_left
from web.auth import Principal, require_page
from web.csrf import verify_csrf
from web.deps import AccountsDep, KindsDep, SystemDep
from web.errors import http_status
from web.i18n import error_text, request_lang
from web.pages import admin_keys, admin_lanes
from web.pages.render import render

log = logging.getLogger(__name__)

ADMIN = require_page("admin")
router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])
router.include_router(admin_lanes.router)
router.include_router(admin_keys.router)


def form_error(request: Request, who: Principal, exc: AmbilError) -> str:
    return error_text(request_lang(request, who.language), exc)


@router.get("/admin")
def overview(request: Request, system: SystemDep, who: Principal = Depends(ADMIN)):
    counts = {
        "users": len(system.accounts.list_users()),
        "lanes": len(system.lockers.lanes()),
        "banks": len(system.lockers.banks()),
        "kinds": len(system.kinds.list()),
        "keys": sum(1 for k in system.office.list_api_keys() if k["revoked_at"] is None),
    }
    return render(request, "admin/index.html", {"counts": counts}, who=who)


# -- users ------------------------------------------------------------------------------------
def _users_page(
    request: Request, who: Principal, accounts, *, error: str = "", form: dict | None = None, status=200
):
    users = accounts.list_users()
    now = accounts.clock()
    context = {
        "users": users,
        # minutes left of each lockout, so an admin sees who is locked out and can lift it
        "locked": {u.id: m for u in users if (m := lock_minutes_left(u.locked_until, now))},
        "roles": USER_ROLES,
        "languages": LANGUAGES,
        "error": error,
        "form": form or {},
    }
    return render(request, "admin/users.html", context, status=status, who=who)


@router.get("/admin/users")
def users_page(request: Request, accounts: AccountsDep, who: Principal = Depends(ADMIN)):
    return _users_page(request, who, accounts)


@router.post("/admin/users")
def create_user(
    request: Request,
    accounts: AccountsDep,
    username: str = Form(""),
    display_name: str = Form(""),
    role: str = Form("staff"),
    language: str = Form("id"),
    password: str = Form(""),
    who: Principal = Depends(ADMIN),
):
    try:
        accounts.create_user(
            username, password, role, display_name=display_name, language=language, actor=who.actor
        )
    except AmbilError as exc:
        form = {"username": username, "display_name": display_name, "role": role, "language": language}
        return _users_page(
            request, who, accounts, error=form_error(request, who, exc), form=form, status=http_status(exc)
        )
    return RedirectResponse("/admin/users?ok=admin.user_created", status_code=303)


@router.post("/admin/users/{user_id}")
def change_user(
    request: Request,
    accounts: AccountsDep,
    user_id: int,
    action: str = Form(""),
    role: str = Form(""),
    password: str = Form(""),
    who: Principal = Depends(ADMIN),
):
    try:
        if user_id == who.user_id and (action == "disable" or (action == "role" and role != "admin")):
            # the last way back in must not be cut by a slip of the mouse
            raise AmbilError("admins cannot disable or demote themselves", key="auth.forbidden")
        if action == "role":
            accounts.update_user(user_id, role=role, actor=who.actor)
            done = "admin.user_saved"
        elif action in ("enable", "disable"):
            accounts.update_user(user_id, active=action == "enable", actor=who.actor)
            done = "admin.user_saved"
        elif action == "unlock":
            accounts.unlock_user(user_id, actor=who.actor)
            done = "admin.user_unlocked"
        elif action == "password":
            accounts.set_password(user_id, password, actor=who.actor)
            done = "admin.password_reset"
        else:
            raise AmbilError(f"unknown action {action!r}", key="request.invalid")
    except AmbilError as exc:
        return _users_page(
            request, who, accounts, error=form_error(request, who, exc), status=http_status(exc)
        )
    return RedirectResponse(f"/admin/users?ok={done}", status_code=303)


# -- document kinds ---------------------------------------------------------------------------
def _kinds_page(request: Request, who: Principal, kinds, *, error: str = "", status=200):
    context = {"kinds": kinds.list(), "error": error}
    return render(request, "admin/kinds.html", context, status=status, who=who)


@router.get("/admin/kinds")
def kinds_page(request: Request, kinds: KindsDep, who: Principal = Depends(ADMIN)):
    return _kinds_page(request, who, kinds)


def _days(value: str) -> int:
    if not value.strip().isdigit():
        raise AmbilError("expiry days must be a whole number", key="request.invalid")
    return int(value)


@router.post("/admin/kinds")
def create_kind(
    request: Request,
    kinds: KindsDep,
    name: str = Form(""),
    delivery: str = Form("print"),
    expiry_days: str = Form("14"),
    second_factor: str = Form(""),
    who: Principal = Depends(ADMIN),
):
    try:
        kinds.create(
            name, delivery, expiry_days=_days(expiry_days), second_factor=bool(second_factor), actor=who.actor
        )
    except AmbilError as exc:
        return _kinds_page(request, who, kinds, error=form_error(request, who, exc), status=http_status(exc))
    return RedirectResponse("/admin/kinds?ok=admin.kind_created", status_code=303)


@router.post("/admin/kinds/{kind_id}")
def update_kind(
    request: Request,
    kinds: KindsDep,
    kind_id: int,
    name: str = Form(""),
    expiry_days: str = Form(""),
    second_factor: str = Form(""),
    active: str = Form(""),
    who: Principal = Depends(ADMIN),
):
    try:
        kinds.update(
            kind_id,
            name=name.strip() or None,
            expiry_days=_days(expiry_days) if expiry_days.strip() else None,
            second_factor=bool(second_factor),
            active=bool(active),
            actor=who.actor,
        )
    except AmbilError as exc:
        return _kinds_page(request, who, kinds, error=form_error(request, who, exc), status=http_status(exc))
    return RedirectResponse("/admin/kinds?ok=admin.kind_saved", status_code=303)
