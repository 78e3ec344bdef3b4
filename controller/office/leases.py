"""The claim lease: no claim stays ``claimed`` for good (DESIGN section 5).

A lane that claimed a pickup reports its outcome within seconds (a door) or minutes (a print). If
no outcome has come within the lease (``[office] claim_lease_minutes``, longer for prints:
``print_claim_lease_minutes``), the lane crashed, lost its journal or walked away: the pickup and
its document become ``uncertain`` for staff (audited ``pickup.lease_expired``), who resolve it as
released or not. A late report from the lane still settles it until staff did
(``claim_reports.holds``).

``expire_stale_claims`` is the plain sweep on a connection; ``LeaseSweeper`` runs it (and prunes
old wrong-guess records) every ``interval`` seconds on the office's clock.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import and_, or_, select, update
from sqlalchemy.engine import Connection

from controller.kernel.codes import hash_prefix
from controller.office import audit
from controller.office.background import BackgroundJob
from controller.office.claim_reports import LEASE_EXPIRED
from controller.office.db.tables import documents, pickups

log = logging.getLogger(__name__)


def expire_stale_claims(
    conn: Connection, now: float, *, lease_seconds: float, print_lease_seconds: float
) -> list[int]:
    """Make every claim older than its lease uncertain; returns the documents that changed."""
    stale = conn.execute(
        select(pickups.c.id, pickups.c.document_id, pickups.c.claim_id, pickups.c.code_hash, documents.c.kind)
        .select_from(pickups.join(documents, pickups.c.document_id == documents.c.id))
        .where(
            pickups.c.state == "claimed",
            or_(
                and_(documents.c.kind == "print", pickups.c.claimed_at <= now - print_lease_seconds),
                and_(documents.c.kind != "print", pickups.c.claimed_at <= now - lease_seconds),
            ),
        )
        .order_by(pickups.c.id)
    ).all()
    changed = []
    for row in stale:
        # conditional: a report that arrived meanwhile wins (PostgreSQL re-checks under the row lock)
        done = conn.execute(
            update(pickups)
            .where(pickups.c.id == row.id, pickups.c.state == "claimed", pickups.c.claim_id == row.claim_id)
            .values(
                state="uncertain",
                outcome=LEASE_EXPIRED,
                detail="no outcome from the lane within the claim lease",
                finished_at=now,
            )
        ).rowcount
        if not done:
            continue
        conn.execute(
            update(documents)
            .where(documents.c.id == row.document_id)
            .values(state="uncertain", updated_at=now)
        )
        audit.append(
            conn,
            at=now,
            actor="system",
            action="pickup.lease_expired",
            subject=f"document:{row.document_id}",
            detail={"pickup_id": row.id, "claim_id": row.claim_id, "code": hash_prefix(row.code_hash)},
        )
        log.warning("claim %s on pickup %d had no outcome within its lease: uncertain", row.claim_id, row.id)
        changed.append(row.document_id)
    return changed


class LeaseSweeper(BackgroundJob):
    """Runs ``office.expire_stale_claims()`` every ``interval`` seconds on its own thread.

    With several office workers on one PostgreSQL, ``job_lock`` lets one of them sweep (running it
    twice at once would be safe, only wasteful)."""

    thread_name = "claim-leases"

    def __init__(self, office, *, interval: float = 30.0, job_lock=None):
        self.office = office
        self.interval = interval
        self.job_lock = job_lock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> int:
        """One sweep on the office's clock; returns how many claims became uncertain."""
        swept = self.office.expire_stale_claims()
        self.office.prune_guesses()
        return swept

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                if self._mine():
                    self.run_once()
            except Exception:  # noqa: BLE001 - a database blip must not end the sweeps
                log.exception("claim lease sweep failed")
