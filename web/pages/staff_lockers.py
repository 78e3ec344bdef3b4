"""Staff locker pages: the door grid, loading a door through its lane, taking back the items of
expired and cancelled documents (the door is free again once its lane synced: door_release.py).

Loading: POST load/open assigns a free door to a draft locker document and asks the lane owning
the bank to open it (the lane runs the release protocol's journal and pulse rules); staff put the
item in, close the door, POST load/confirm. Only then can the document be marked ready.
The document pages include ``lockers/_load_panel.html`` with ``doc`` (and, for the door choice,
the values of ``load_panel_context``).
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from controller.kernel.errors import AmbilError
from controller.office.lane_control import LaneCommandError
from web.auth import Principal, require_page
from web.csrf import verify_csrf
from web.deps import LockersDep, SystemDep
from web.i18n import request_lang
from web.pages.dashboard_devices import door_marks
from web.pages.render import render

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])
STAFF = require_page("staff", "admin")
# the lane's answer to an opening -> (query parameter, text key) for the flash after the redirect
OPEN_RESULT = {
    "opened": ("ok", "lockers.opened"),
    "not_detected": ("warn", "lockers.not_detected"),
    "failed": ("warn", "lockers.open_failed"),
}


# a command that got no result -> the flash text (the door was not opened, or may have been)
NO_RESULT = {"expired": "lane_commands.expired", "taken": "lane_commands.no_answer"}


def opened_for_loading(doc: dict) -> bool:
    """True when the newest opening for loading of this document opened its current door: only
    then may staff say the item is in (no "confirm" without a door that opened)."""
    for record in reversed(doc.get("history") or []):
        if record.get("action") == "locker.door_opened_for_loading":
            detail = record.get("detail") or {}
            here = detail.get("bank") == doc.get("locker_bank") and detail.get("door") == doc.get("door")
            return here and detail.get("outcome") == "opened"
    return False


def load_panel_context(lockers, doc: dict) -> dict:
    """What ``lockers/_load_panel.html`` needs besides ``doc`` (``lockers``: the office's
    ``Lockers``): the doors to choose from, the lane (name) owning each bank (the "waiting for
    lane ..." text) and whether the door opened."""
    lanes = {bank: lane.name for lane in lockers.lanes() for bank, _ in lane.banks}
    context = {"load_lanes": lanes, "load_opened": opened_for_loading(doc)}
    if doc.get("kind") != "locker" or doc.get("state") != "draft" or doc.get("loaded_at") is not None:
        return {**context, "load_doors": [], "load_suggestion": None}
    size = doc.get("door_size")
    return {
        **context,
        "load_doors": lockers.usable_doors(size),
        "load_suggestion": lockers.suggest_door(size),
    }


def _back(doc_id: int, next_path: str, **flash: str) -> RedirectResponse:
    # only this site's staff pages: never redirect elsewhere after a form
    if not (next_path.startswith("/staff/") and "//" not in next_path and "\\" not in next_path):
        next_path = f"/staff/lockers?doc={doc_id}"
    sep = "&" if "?" in next_path else "?"
    target = next_path + (sep + urlencode(flash) if flash else "")
    return RedirectResponse(target, status_code=303)


@router.get("/staff/lockers")
def lockers_page(
    request: Request, system: SystemDep, doc: int | None = None, who: Principal = Depends(STAFF)
):
    lockers = system.lockers
    banks = lockers.banks()
    # a door forced or left open, as the banks' lanes last reported (the dashboard's reading)
    lanes = system.fleet.lanes(sorted({bank.lane_id for bank in banks})) if system.fleet and banks else []
    context = {
        "banks": banks,
        "door_marks": door_marks(lanes, request_lang(request, who.language)),
        "lane_names": lockers.lane_names(),  # "Lajur 1", not lane-1
        "awaiting": lockers.awaiting_load(),
        "to_retrieve": lockers.items_to_retrieve(),
        "doc": None,
        "warn": request.query_params.get("warn"),
    }
    if doc is not None:
        try:
            context["doc"] = system.office.get_document(doc)
        except AmbilError:
            context["doc"] = None
        if context["doc"] is not None:
            context.update(load_panel_context(lockers, context["doc"]))
    return render(request, "lockers/index.html", context, who=who)


def _parse_door(value: str) -> tuple[str, int]:
    bank_id, _, number = (value or "").rpartition(":")
    if not bank_id or not number.isdigit():
        raise AmbilError(f"door {value!r}: expected BANK:NUMBER", key="locker.unknown_door")
    return bank_id, int(number)


@router.post("/staff/documents/{doc_id}/load/open")
def load_open(
    request: Request,
    system: SystemDep,
    doc_id: int,
    door: str = Form(""),
    next: str = Form(""),
    who: Principal = Depends(STAFF),
):
    try:
        bank_id, number = _parse_door(door)
        lane_id = system.lockers.assign_door(doc_id, bank_id, number, actor=who.actor)
    except AmbilError as exc:
        return _back(doc_id, next, warn=f"error.{exc.key}")
    try:
        if system.lane_control is None:
            raise AmbilError("this process runs no lane", key="lane.unreachable")
        # waits (bounded by the command's deadline) for the lane to take it and answer
        answer = system.lane_control.open_door(lane_id, bank_id, number, actor=who.actor, reason="load")
    except LaneCommandError as exc:
        outcome = "expired" if exc.state == "expired" else "no_answer"
        answer = {"lane_id": lane_id, "bank": bank_id, "door": number, "outcome": outcome, "detail": exc.key}
        answer["command"] = exc.command_id
        system.lockers.record_door_opened(doc_id, answer, actor=who.actor)
        return _back(doc_id, next, warn=NO_RESULT[exc.state])
    except AmbilError as exc:
        answer = {"lane_id": lane_id, "bank": bank_id, "door": number, "outcome": "failed", "detail": exc.key}
        system.lockers.record_door_opened(doc_id, answer, actor=who.actor)
        return _back(doc_id, next, warn=f"error.{exc.key}")
    system.lockers.record_door_opened(doc_id, answer, actor=who.actor)
    kind, key = OPEN_RESULT.get(answer.get("outcome"), ("warn", "lockers.open_failed"))
    return _back(doc_id, next, **{kind: key})


@router.post("/staff/documents/{doc_id}/load/confirm")
def load_confirm(
    request: Request, system: SystemDep, doc_id: int, next: str = Form(""), who: Principal = Depends(STAFF)
):
    try:
        doc = system.office.get_document(doc_id)
        if not opened_for_loading(doc):  # the lane never said the door opened: nothing to confirm
            return _back(doc_id, next, warn="lane_commands.open_first")
        closed = None
        if doc.get("locker_bank") and doc.get("door") and system.lane_control is not None:
            lane_id = system.lockers.lane_of_bank(doc["locker_bank"])
            reading = system.lane_control.door_state(lane_id, doc["locker_bank"], doc["door"])
            closed = None if reading is None else not reading
        system.lockers.confirm_loaded(doc_id, actor=who.actor, door_closed=closed)
    except AmbilError as exc:
        return _back(doc_id, next, warn=f"error.{exc.key}")
    if closed is None:  # no sensor, or it could not be read: loaded on the staff's word
        return _back(doc_id, next, ok="lockers.loaded", warn="lockers.unchecked")
    return _back(doc_id, next, ok="lockers.loaded")


@router.post("/staff/documents/{doc_id}/retrieved")
def retrieved(
    request: Request, lockers: LockersDep, doc_id: int, next: str = Form(""), who: Principal = Depends(STAFF)
):
    """Staff confirm the door of an expired or cancelled document empty."""
    try:
        lockers.mark_retrieved(doc_id, actor=who.actor)
    except AmbilError as exc:
        return _back(doc_id, next or "/staff/lockers", warn=f"error.{exc.key}")
    return _back(doc_id, next or "/staff/lockers", ok="lockers.retrieved")
