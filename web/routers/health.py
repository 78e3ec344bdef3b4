"""Health: ``/healthz`` (the process is alive) and ``/readyz`` (it can serve a pickup)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Alive")
def healthz():
    return {"status": "ok"}


@router.get("/readyz", summary="Able to serve a pickup, with the reasons when not")
def readyz(request: Request):
    system = request.app.state.system
    problems: list[str] = []
    checks: dict = {}
    if system.office is not None:
        try:
            system.office.ping()
            checks["database"] = "ok"
        except Exception as exc:  # report, don't crash the probe
            checks["database"] = f"error: {type(exc).__name__}"
            problems.append("database unreachable")
    lane = system.lane
    if lane is not None:
        checks["lane"] = lane.screen.view.state
        checks["office_link"] = "ok" if lane.office_online else "offline"
        if not lane.ready.is_set():
            problems.append("lane not started")
        if not lane.office_online:
            problems.append("office unreachable from the lane")
        for name, status in lane.devices.items():
            checks[name] = str(status.state)
        # devices whose driver did not start: named with the why, while the rest serves
        failed = lane.failed_devices()
        if failed:
            checks["failed"] = failed
        if lane.screen.view.state == "out_of_service":
            problems.append("no release device usable")
    body = {"ready": not problems, "problems": problems, "checks": checks}
    return JSONResponse(body, status_code=200 if not problems else 503)
