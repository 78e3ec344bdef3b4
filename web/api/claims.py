"""Office API for lanes: claim a pickup, fetch its PDF, report the outcome (``/api/v1/claims``)."""

from __future__ import annotations

import dataclasses
from typing import Literal

from fastapi import APIRouter, Depends, Response
from pydantic import Field

from web.api.strict import StrictBody
from web.auth import Principal, require
from web.deps import OfficeDep

router = APIRouter(prefix="/api/v1/claims", tags=["lane protocol"])


class ClaimRequest(StrictBody):
    code_hash: str = Field(pattern="^[0-9a-f]{64}$", description="hex SHA-256 of the pickup code")
    claim_id: str = Field(pattern="^[0-9A-Za-z_-]{8,64}$", description="idempotency key")
    pin: str | None = Field(None, pattern="^[0-9]{4,8}$", description="second factor, when required")
    kinds: list[Literal["print", "locker"]] | None = Field(
        None, description="the kinds the lane can release now; another kind is refused, nothing claimed"
    )


class ShortClaimRequest(StrictBody):
    short_code: str = Field(min_length=1, max_length=32)
    claim_id: str = Field(pattern="^[0-9A-Za-z_-]{8,64}$")
    pin: str | None = Field(None, pattern="^[0-9]{4,8}$", description="second factor, when required")
    kinds: list[Literal["print", "locker"]] | None = Field(None, description="as for /claims")


def _extra(body) -> dict:
    return {
        **({"pin": body.pin} if body.pin is not None else {}),
        **({"kinds": tuple(body.kinds)} if body.kinds else {}),
    }


class ReportRequest(StrictBody):
    outcome: Literal["released", "failed", "uncertain", "abandoned"]
    detail: str = Field("", max_length=2000)


def _lane_id(who: Principal) -> str:
    return who.lane_id or "unknown"


@router.post("", summary="Claim a pickup by its code hash (at most one claim wins; retries from its lane)")
def claim(body: ClaimRequest, office: OfficeDep, who: Principal = Depends(require("lane"))):
    extra = _extra(body)
    grant = office.claim(code_hash=body.code_hash, claim_id=body.claim_id, lane_id=_lane_id(who), **extra)
    return dataclasses.asdict(grant)


@router.post("/short", summary="Claim a pickup by its 10-digit short code (misses bounded per lane and site)")
def claim_short(body: ShortClaimRequest, office: OfficeDep, who: Principal = Depends(require("lane"))):
    extra = _extra(body)
    grant = office.claim_short(
        short_code=body.short_code, claim_id=body.claim_id, lane_id=_lane_id(who), **extra
    )
    return dataclasses.asdict(grant)


@router.get("/{claim_id}/pdf", summary="The PDF of a claimed print pickup (for the lane holding the claim)")
def claim_pdf(claim_id: str, office: OfficeDep, who: Principal = Depends(require("lane"))):
    pdf = office.claim_pdf(claim_id, _lane_id(who))
    return Response(pdf, media_type="application/pdf")


@router.post("/{claim_id}/report", summary="Report how a claim ended (idempotent)")
def report(claim_id: str, body: ReportRequest, office: OfficeDep, who: Principal = Depends(require("lane"))):
    office.report(claim_id=claim_id, lane_id=_lane_id(who), outcome=body.outcome, detail=body.detail)
    return {"claim_id": claim_id, "outcome": body.outcome, "acknowledged": True}


class RatingRequest(StrictBody):
    claim_id: str | None = Field(None, pattern="^[0-9A-Za-z_-]{8,64}$")
    score: int = Field(ge=1, le=5)


ratings_router = APIRouter(prefix="/api/v1/ratings", tags=["lane protocol"])


@ratings_router.post("", summary="A driver's 1..5 satisfaction rating of a pickup (IKM)")
def rate(body: RatingRequest, office: OfficeDep, who: Principal = Depends(require("lane"))):
    stored = office.rate(lane_id=_lane_id(who), claim_id=body.claim_id, score=body.score)
    return {"stored": stored}
