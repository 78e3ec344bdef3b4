"""Health: ``/healthz`` (the process is alive) and ``/readyz`` (it can serve a pickup).

The readiness rules live in the controller (``controller/ops/readiness.py``); this only answers.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from web.deps import SystemDep

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Alive")
def healthz():
    return {"status": "ok"}


@router.get("/readyz", summary="Able to serve a pickup, with the reasons when not")
def readyz(system: SystemDep):
    body = system.readiness()
    return JSONResponse(body, status_code=200 if body["ready"] else 503)
