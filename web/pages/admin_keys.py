"""Admin page for API keys: list, create (the key and any webhook secret shown once), revoke.

Included by ``web.pages.admin`` (same CSRF and admin-only rules). Only hashes are stored, so a
new key is rendered in the POST's own answer (never put in a URL) with ``Cache-Control: no-store``.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from controller.kernel.errors import AmbilError
from controller.office.db.tables import ROLES
from web.auth import Principal, require_page
from web.csrf import verify_csrf
from web.deps import LockersDep, OfficeDep, zone_of
from web.errors import http_status
from web.i18n import error_text, request_lang
from web.i18n.times import format_time
from web.pages.render import render

log = logging.getLogger(__name__)

ADMIN = require_page("admin")
router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])


def _page(
    request: Request,
    who: Principal,
    office,
    lockers,
    *,
    error: str = "",
    created: dict | None = None,
    status=200,
):
    lang = request_lang(request, who.language)
    context = {
        "keys": [
            {**key, "created_text": format_time(key["created_at"], lang, zone_of(request))}
            for key in office.list_api_keys()
        ],
        "roles": ROLES,
        "lanes": lockers.lanes(),
        "error": error,
        "created": created,
    }
    response = render(request, "admin/keys.html", context, status=status, who=who)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/admin/keys")
def keys_page(request: Request, office: OfficeDep, lockers: LockersDep, who: Principal = Depends(ADMIN)):
    return _page(request, who, office, lockers)


@router.post("/admin/keys")
def create_key(
    request: Request,
    lockers: LockersDep,
    office: OfficeDep,
    role: str = Form(""),
    lane_id: str = Form(""),
    label: str = Form(""),
    webhook_url: str = Form(""),
    who: Principal = Depends(ADMIN),
):
    try:
        if role == "lane" and lane_id not in {lane.id for lane in lockers.lanes()}:
            raise AmbilError(f"lane {lane_id!r}", key="request.invalid")
        created = office.issue_api_key(
            role,
            lane_id=lane_id.strip() if role == "lane" else None,
            label=label.strip()[:200],
            webhook_url=webhook_url.strip() if role == "agency" and webhook_url.strip() else None,
            actor=who.actor,
        )
    except AmbilError as exc:
        message = error_text(request_lang(request, who.language), exc)
        return _page(request, who, office, lockers, error=message, status=http_status(exc))
    log.info("api key %d created for role %s", created["id"], role)
    return _page(request, who, office, lockers, created=created)


@router.post("/admin/keys/{key_id}/revoke")
def revoke_key(request: Request, office: OfficeDep, key_id: int, who: Principal = Depends(ADMIN)):
    done = office.revoke_api_key(key_id, actor=who.actor)
    return RedirectResponse(
        f"/admin/keys?ok={'admin.key_revoked' if done else 'admin.key_unchanged'}", status_code=303
    )
