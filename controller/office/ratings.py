"""The driver's one-touch satisfaction rating after a pickup (the MPP's public IKM figure)."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from controller.kernel.errors import AmbilError
from controller.office.db.tables import ratings


def record_rating(engine: Engine, *, lane_id: str, claim_id: str | None, score: int, now: float) -> bool:
    """Store one rating (1..5); a second rating for the same claim is ignored. True if stored."""
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise AmbilError("score must be 1..5", key="request.invalid")
    try:
        with engine.begin() as conn:
            conn.execute(ratings.insert().values(lane_id=lane_id, claim_id=claim_id, score=score, at=now))
    except IntegrityError:
        return False  # already rated: one pickup, one vote
    return True
