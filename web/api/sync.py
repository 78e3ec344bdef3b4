"""Office API for lane sync (``/api/v1/sync``): what a lane may release offline, and its
offline releases coming back (DESIGN section 5). Lane keys only; the lane id comes from the key."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends
from pydantic import Field

from controller.kernel.clock import OFFLINE_GRACE_MAX_SECONDS
from web.api.strict import StrictBody
from web.auth import Principal, require
from web.deps import OfficeSyncDep

router = APIRouter(prefix="/api/v1/sync", tags=["lane protocol"])


class OfflineRelease(StrictBody):
    claim_id: str = Field(pattern="^[0-9A-Za-z_-]{8,64}$")
    code_hash: str = Field(pattern="^[0-9a-f]{64}$", description="hex SHA-256 of the pickup code")
    outcome: Literal["released", "failed", "uncertain", "abandoned"]
    detail: str = Field("", max_length=2000)
    released_at: float = Field(description="when the lane released it (its trusted clock), epoch s")


class OfflineReleases(StrictBody):
    releases: list[OfflineRelease] = Field(max_length=500)


class SnapshotHeld(StrictBody):
    snapshot_time: float = Field(description="office_time of the snapshot the lane stored, epoch s")
    grace_seconds: float = Field(ge=0, le=OFFLINE_GRACE_MAX_SECONDS, description="lane.offline_grace_seconds")


def _lane_id(who: Principal) -> str:
    return who.lane_id or "unknown"


@router.get("/pickups", summary="The pickups this lane may release offline (code hashes only)")
def pickups(sync: OfficeSyncDep, who: Principal = Depends(require("lane"))):
    return sync.snapshot(_lane_id(who))


@router.post("/offline-releases", summary="Reconcile releases made offline (idempotent; conflicts flagged)")
def offline_releases(body: OfflineReleases, sync: OfficeSyncDep, who: Principal = Depends(require("lane"))):
    results = sync.reconcile(_lane_id(who), [item.model_dump() for item in body.releases])
    return {"results": results}


@router.post("/held", summary="The lane stored this snapshot (doors emptied before it may be reloaded)")
def held(body: SnapshotHeld, sync: OfficeSyncDep, who: Principal = Depends(require("lane"))):
    sync.acknowledge(_lane_id(who), snapshot_time=body.snapshot_time, grace_seconds=body.grace_seconds)
    return {"ok": True}
