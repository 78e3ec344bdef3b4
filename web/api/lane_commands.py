"""Lane API for lanes on their own Pis, which only call out (NAT, a firewall): the lane announces
its banks, holds a long-poll for the office's commands and posts each result, and reports the
self-tests it ran on its own. Lane keys only; the lane id comes from the key, never from the request."""

from __future__ import annotations

import asyncio
import time

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from controller.lane.selftest import SELF_TESTS
from web.api.strict import StrictBody
from web.auth import Principal, require
from web.deps import FleetDep, LaneCommandsDep, LaneJoinDep

router = APIRouter(tags=["lane protocol"])
CommandId = Path(ge=1, le=2**31 - 1)
DB_RECHECK_S = 1.0  # commands queued by another office process are seen this late at most
LOCAL_CHECK_S = 0.05  # this process's own queueing is noticed this soon


@router.post("/api/v1/lane-announcements", summary="A lane announces its name, site and locker banks")
def announce(join: LaneJoinDep, body: dict = Body(...), who: Principal = Depends(require("lane"))):
    return join.announce(who.lane_id or "", body)


@router.get("/api/v1/lane-commands", summary="Long-poll: the commands the office has for this lane")
async def take(
    request: Request,
    commands: LaneCommandsDep,
    wait: float = Query(25.0, ge=0, le=60),
    who: Principal = Depends(require("lane")),
):
    # async on purpose: a waiting lane holds no worker thread, only this coroutine; the database
    # is asked in the threadpool, again at once when this process queued something
    lane_id = who.lane_id or ""
    until = time.monotonic() + wait
    while True:
        seen = commands.version
        if await request.is_disconnected():
            return {"office_time": commands.clock(), "commands": []}  # the lane went away
        # offered, not taken: an answer that never reaches the lane takes nothing
        offered = await run_in_threadpool(commands.offered, lane_id)
        if offered or time.monotonic() >= until:
            return {"office_time": commands.clock(), "commands": offered}
        recheck = min(until, time.monotonic() + DB_RECHECK_S)
        while commands.version == seen and time.monotonic() < recheck:
            await asyncio.sleep(LOCAL_CHECK_S)


@router.post("/api/v1/lane-commands/{command_id}/take", summary="Take one command, once, before its deadline")
def take_one(
    commands: LaneCommandsDep,
    command_id: int = CommandId,
    who: Principal = Depends(require("lane")),
):
    command = commands.take_one(who.lane_id or "", command_id)
    return {"office_time": commands.clock(), "command": command}


@router.post("/api/v1/lane-commands/{command_id}/result", summary="The result of a command this lane took")
def result(
    commands: LaneCommandsDep,
    command_id: int = CommandId,
    body: dict = Body(...),
    who: Principal = Depends(require("lane")),
):
    return {"state": commands.finish(who.lane_id or "", command_id, body)}


class LaneSelfTestReport(StrictBody):
    """A self-test the lane ran on its own (``controller/lane/selftest_report.py`` sends it)."""

    test: str = Field(pattern="^(" + "|".join(SELF_TESTS) + ")$")
    outcome: str = Field(max_length=32)
    detail: str = Field("", max_length=500)
    bank: str | None = Field(None, max_length=64)
    door: int | None = Field(None, ge=1, le=128)
    run_by: str = Field("", max_length=100)  # who asked on the lane (its local API's principal)
    reason: str = Field("", max_length=300)  # why a door holding an item was opened


@router.post("/api/v1/lane-selftests", summary="A self-test this lane ran on its own, to be audited")
def self_test_report(fleet: FleetDep, body: LaneSelfTestReport, who: Principal = Depends(require("lane"))):
    return fleet.record_lane_self_test(who.lane_id or "", body.model_dump())
