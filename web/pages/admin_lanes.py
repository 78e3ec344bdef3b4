"""Admin pages for lanes, their locker banks, and each door's size and out-of-order flag.

Included by ``web.pages.admin`` (same CSRF and admin-only rules).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from controller.kernel.errors import AmbilError
from controller.office.db.tables import DOOR_SIZES
from web.auth import Principal, require_page
from web.csrf import verify_csrf
from web.deps import LaneJoinDep, LockersDep, system_of
from web.errors import http_status
from web.i18n import error_text, request_lang
from web.pages.render import render

ADMIN = require_page("admin")
router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])


def _page(request: Request, who: Principal, lockers, *, error: str = "", status: int = 200):
    join = system_of(request).lane_join  # None where this process runs no office
    context = {
        "lanes": lockers.lanes(),
        "banks": lockers.banks(),
        "lane_names": lockers.lane_names(),
        "sizes": DOOR_SIZES,
        "error": error,
        "announced": join.pending() if join is not None else [],
    }
    return render(request, "admin/lanes.html", context, status=status, who=who)


def _failed(request: Request, who: Principal, lockers, exc: AmbilError):
    message = error_text(request_lang(request, who.language), exc)
    return _page(request, who, lockers, error=message, status=http_status(exc))


@router.get("/admin/lanes")
def lanes_page(request: Request, lockers: LockersDep, who: Principal = Depends(ADMIN)):
    return _page(request, who, lockers)


@router.post("/admin/lanes")
def create_lane(
    request: Request,
    lockers: LockersDep,
    lane_id: str = Form(""),
    name: str = Form(""),
    url: str = Form(""),
    who: Principal = Depends(ADMIN),
):
    try:
        lockers.create_lane(lane_id, name, url=url, actor=who.actor)
    except AmbilError as exc:
        return _failed(request, who, lockers, exc)
    return RedirectResponse("/admin/lanes?ok=admin.lane_created", status_code=303)


@router.post("/admin/lanes/{lane_id}/name")
def rename_lane(
    request: Request, lockers: LockersDep, lane_id: str, name: str = Form(""), who: Principal = Depends(ADMIN)
):
    """Rename a lane (the create form refuses an existing id: that was "Permintaan tidak valid.")."""
    try:
        lockers.rename_lane(lane_id, name, actor=who.actor)
    except AmbilError as exc:
        return _failed(request, who, lockers, exc)
    return RedirectResponse(f"/admin/lanes?ok=admin.lane_renamed#lane-{lane_id}", status_code=303)


@router.post("/admin/lanes/{lane_id}/accept")
def accept_lane(
    request: Request, join: LaneJoinDep, lockers: LockersDep, lane_id: str, who: Principal = Depends(ADMIN)
):
    """Apply the banks a lane announced (doors that hold items are kept and flagged)."""
    try:
        done = join.accept(lane_id, actor=who.actor)
    except AmbilError as exc:
        return _failed(request, who, lockers, exc)
    ok = "admin.accepted_flagged" if done["flagged"] else "admin.accepted"
    return RedirectResponse(f"/admin/lanes?ok={ok}#lane-{lane_id}", status_code=303)


@router.post("/admin/banks")
def save_bank(
    request: Request,
    lockers: LockersDep,
    bank_id: str = Form(""),
    lane_id: str = Form(""),
    doors: str = Form(""),
    who: Principal = Depends(ADMIN),
):
    try:
        if not doors.strip().isdigit():
            raise AmbilError("doors must be a whole number", key="request.invalid")
        done = lockers.save_bank(bank_id, lane_id, int(doors), actor=who.actor)
    except AmbilError as exc:
        return _failed(request, who, lockers, exc)
    return RedirectResponse(f"/admin/lanes?ok=admin.bank_{done}#bank-{bank_id.strip()}", status_code=303)


@router.post("/admin/banks/{bank_id}/doors/{door}")
def save_door(
    request: Request,
    lockers: LockersDep,
    bank_id: str,
    door: int,
    size: str = Form("M"),
    out_of_order: str = Form(""),
    note: str = Form(""),
    who: Principal = Depends(ADMIN),
):
    try:
        lockers.set_door(
            bank_id, door, size=size, out_of_order=bool(out_of_order), note=note, actor=who.actor
        )
    except AmbilError as exc:
        return _failed(request, who, lockers, exc)
    return RedirectResponse(f"/admin/lanes?ok=admin.door_saved#bank-{bank_id}", status_code=303)
