"""The office half of the release protocol (DESIGN section 5) behind ``Office``: claim by code hash
or short code (guesses bounded), report how a claim ended, the claimed PDF, and the sweeps of stale
claims and old guesses. ``Office`` inherits these; refusals that must leave a trace are committed
first and raised afterwards.
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import IntegrityError

from controller.kernel.codes import parse_short_code, short_code_hmac
from controller.kernel.errors import AmbilError, CodeError
from controller.kernel.grants import Grant
from controller.office import (
    claim_reports,
    claims,
    guessing,
    leases,
)
from controller.office.db import reading

log = logging.getLogger(__name__)


class OfficeClaims:
    """The office half of the release protocol: claims, reports, the claimed PDF (``Office`` has these)."""

    def expire_stale_claims(self) -> int:
        """Make claims with no outcome within their lease uncertain for staff; returns how many."""
        with self.engine.begin() as conn:
            changed = leases.expire_stale_claims(
                conn,
                self.clock(),
                lease_seconds=self.claim_lease_seconds,
                print_lease_seconds=self.print_claim_lease_seconds,
            )
        for doc_id in changed:
            self._released_hooks(doc_id, "uncertain")
        return len(changed)

    def prune_guesses(self) -> int:
        """Forget wrong short codes and PINs that no bound needs any more; returns how many."""
        with self.engine.begin() as conn:
            return guessing.prune(conn, now=self.clock(), limits=self.guess_limits)

    def _run_claim(self, claim_id: str, work) -> Grant:
        if not isinstance(claim_id, str) or not 1 <= len(claim_id) <= 100:
            raise AmbilError("claim_id must be 1-100 characters", key="request.invalid")
        try:
            with self.engine.begin() as conn:
                outcome = work(conn, self.clock())
        except IntegrityError:
            # The same claim id raced in for two different pickups, or as a tombstone (the lane
            # reported it abandoned while this claim was committing): nothing is granted.
            raise CodeError("claim id already used", key="claim.conflict") from None
        if isinstance(outcome, AmbilError):
            raise outcome
        return outcome

    def claim(
        self,
        *,
        code_hash: str,
        claim_id: str,
        lane_id: str,
        pin: str | None = None,
        kinds: tuple[str, ...] | None = None,
    ) -> Grant:
        """Claim the pickup whose code hashes to ``code_hash``; retrying the same claim_id is safe.

        ``pin`` is the second factor of documents whose kind requires one; ``kinds`` the kinds the
        lane can release now (None: all)."""
        return self._run_claim(
            claim_id,
            lambda conn, now: claims.claim_pickup(
                conn,
                code_hash=code_hash,
                claim_id=claim_id,
                lane_id=lane_id,
                now=now,
                pin=pin,
                pin_policy=self._pin_policy(),
                kinds=kinds,
            ),
        )

    def _pin_policy(self):
        from controller.office.second_factor import PinPolicy

        return PinPolicy(self._short_key, self.guess_limits)

    def claim_short(
        self,
        *,
        short_code: str,
        claim_id: str,
        lane_id: str,
        pin: str | None = None,
        kinds: tuple[str, ...] | None = None,
    ) -> Grant:
        """Claim by a typed short code; wrong codes are counted per lane and site (guessing.py)."""
        digits = parse_short_code(short_code)
        return self._run_claim(
            claim_id,
            lambda conn, now: claims.claim_by_short_code(
                conn,
                short_hmac=short_code_hmac(self._short_key, digits),
                claim_id=claim_id,
                lane_id=lane_id,
                now=now,
                limits=self.guess_limits,
                pin=pin,
                pin_policy=self._pin_policy(),
                kinds=kinds,
            ),
        )

    def report(self, *, claim_id: str, lane_id: str, outcome: str, detail: str = "") -> None:
        """Record a claim's outcome (released | failed | uncertain | abandoned); idempotent."""
        settled: list[tuple[int, str]] = []
        with self.engine.begin() as conn:
            error = claim_reports.report_claim(
                conn,
                claim_id=claim_id,
                lane_id=lane_id,
                outcome=outcome,
                detail=detail,
                now=self.clock(),
                settled=settled,
            )
        if error is not None:
            raise error
        for doc_id, state in settled:
            self._released_hooks(doc_id, state)

    def _released_hooks(self, doc_id: int, state: str) -> None:
        for hook in self.on_released:
            try:
                hook(doc_id, state)
            except Exception:  # noqa: BLE001 - a notification problem must not fail a release report
                log.exception("on_released hook failed for document %d", doc_id)

    def claim_pdf(self, claim_id: str, lane_id: str) -> bytes:
        """The PDF of the print pickup currently claimed by ``claim_id``, for the lane holding it."""
        with reading(self.engine) as conn:
            sha = claims.claimed_pdf_sha(conn, claim_id, lane_id)
        return self.blobs.get(sha)
