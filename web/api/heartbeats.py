"""Fleet API: lanes report their health (heartbeats), technicians read the fleet, and the lane
Pi's own CLI runs a self-test (``ambil selftest``)."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import Field

from controller.kernel.errors import AmbilError, AuthError
from controller.lane.selftest import DOOR_TEST, SELF_TESTS
from web.api.strict import StrictBody
from web.auth import Principal, require, require_local_or
from web.deps import FleetDep, SystemDep

log = logging.getLogger(__name__)
router = APIRouter(tags=["fleet"])
MAX_HEARTBEAT_BYTES = 256 * 1024


@router.post(
    "/api/v1/lanes/{lane_id}/heartbeat",
    summary="A lane reports its state, devices and host health: a full report or a keepalive",
)
def heartbeat(
    lane_id: str,
    request: Request,
    fleet: FleetDep,
    report: dict = Body(...),
    who: Principal = Depends(require("lane")),
):
    # "-": the key's own lane (a keepalive names none); schema 1 lanes name themselves
    if lane_id != "-" and who.lane_id != lane_id:
        raise AuthError(f"this key belongs to lane {who.lane_id!r}", key="auth.forbidden")
    if int(request.headers.get("content-length") or 0) > MAX_HEARTBEAT_BYTES:
        raise AmbilError("heartbeat too large", key="request.invalid")
    # {"ok", "raised", "digest"}, or {"send_full": true} for a keepalive the office cannot place
    return fleet.receive(who.lane_id, report)


@router.get("/api/v1/fleet", summary="Every lane's status, worst first, with open alerts")
def fleet_status(fleet: FleetDep, who: Principal = Depends(require("technician", "admin", "staff"))):
    # already plain JSON values (the stored reports, rows): no jsonable_encoder walk over every lane
    return JSONResponse({"lanes": fleet.lanes(), "alerts": fleet.alerts.counts()})


class SelfTest(StrictBody):
    test: str = Field(pattern="^(" + "|".join(SELF_TESTS) + ")$")
    bank: str | None = Field(None, max_length=64)
    door: int | None = Field(None, ge=1, le=128)
    # a door holding an item opens only confirmed, with a reason (recorded on the document)
    confirm_held: bool = False
    reason: str = Field("", max_length=300)


@router.post("/api/v1/lane/selftest", summary="Run a self-test on this lane (technician, or the Pi itself)")
def lane_self_test(
    body: SelfTest, system: SystemDep, who: Principal = Depends(require_local_or("technician"))
):
    args = {}
    if body.test == DOOR_TEST:
        args = {
            "bank": body.bank,
            "door": body.door,
            "confirm_held": body.confirm_held,
            "reason": body.reason,
        }
    # audited in the office where this process has one (the System decides, not the router)
    return system.lane_self_test(body.test, actor=who.actor, **args)
