"""The release protocol of DESIGN section 5: claim, INTENT, act, DONE (at most once).

``Releaser.release`` runs one release to its end on the calling (worker) thread and returns the
outcome; it shows only its progress (checking, page x of y) and tells ``on_outcome`` how each
release ended, right after DONE: what the screen shows for an outcome is the screen's to say
(``controller.lane.screen.result_view``). The journal is written
before every step that could actuate anything, and nothing in here ever repeats an actuation: a
retry is always a new claim decided by the office.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from controller.kernel.errors import AmbilError, OfficeUnreachable
from controller.lane.actuation import FAILED, NOT_DETECTED, DoorActuator, PrintActuator
from controller.lane.journal import Journal
from controller.lane.link import Grant, OfficeLink
from controller.lane.offline import OfflineStore
from controller.lane.print_outcome import fault_message
from controller.lane.screen import LaneState, LaneView, make_view

log = logging.getLogger(__name__)

# the journal's code hash of a short-code claim until the grant names the pickup (never a hash)
SHORT_CODE_MARKER = "short-code"


@dataclass(frozen=True)
class Outcome:
    """How one release ended; the lane screen shows it (``controller.lane.screen.result_view``)."""

    claim_id: str
    outcome: str  # released | failed | uncertain | refused | abandoned
    reason: str = ""  # an error key (controller.kernel.errors) when not released
    grant: Grant | None = None
    detail: str = ""
    params: dict = field(default_factory=dict)  # what fills the reason's text (code.wrong_lane: lane)


class Releaser:
    """``doors`` pulses doors and ``prints`` prints (``controller.lane.actuation``); ``offline``
    is the lane's offline store (None: this lane never releases offline); ``show`` takes the
    progress views and ``on_outcome`` each outcome once it is journaled (the screen shows it)."""

    def __init__(
        self,
        *,
        journal: Journal,
        office: OfficeLink,
        doors: DoorActuator,
        prints: PrintActuator,
        show: Callable[[LaneView], None],
        on_outcome: Callable[[Outcome], None],
        offline: OfflineStore | None = None,
    ):
        self.journal = journal
        self.office = office
        self.doors = doors
        self.prints = prints
        self.show = show
        self.on_outcome = on_outcome
        self.offline = offline

    def release(
        self, *, code_hash: str | None = None, short_code: str | None = None, pin: str | None = None
    ) -> Outcome:
        """Release what one code stands for. Exactly one of code_hash / short_code is given;
        ``pin`` is the second factor the driver typed for a sensitive document."""
        claim_id = uuid.uuid4().hex
        # a short code is a weak secret: the journal never keeps the digits, only a marker until
        # INTENT records the pickup's code hash from the grant
        self.journal.claiming(claim_id, code_hash or SHORT_CODE_MARKER)
        self.show(make_view(LaneState.CHECKING))
        if code_hash is not None and self.offline is not None and self.offline.released_offline(code_hash):
            # the office may not know yet (reconciliation pending): never ask it for a second one
            return self._finish(claim_id, "refused", "code.already_released", detail="released offline")
        # a printer that cannot print now: the office refuses print codes before claiming them
        extra = {} if self.prints.can_print() else {"kinds": ("locker",)}
        try:
            if code_hash is not None:
                grant = self.office.claim(code_hash=code_hash, claim_id=claim_id, pin=pin, **extra)
            else:
                grant = self.office.claim_short(short_code=short_code, claim_id=claim_id, pin=pin, **extra)
        except OfficeUnreachable as exc:
            offline = self._offline_grant(claim_id, code_hash, pin)
            if offline is not None:  # DESIGN 5: this lane's locker, synced, within the grace period
                return self._open_door(offline)
            # the office may have granted it and the answer got lost: tell it we walked away
            return self._finish(claim_id, "abandoned", "office.unreachable", detail=exc.detail)
        except AmbilError as exc:
            return self._finish(claim_id, "refused", exc.key, detail=exc.detail, params=exc.params)
        if self._released_here_offline(grant):
            # this lane released this document offline (an old slip, or this very pickup by QR
            # before its short code) and the office has not heard yet. Hand the claim back
            # (abandoned: the office makes it claimable, then the reconciliation settles it)
            return self._finish(claim_id, "abandoned", "code.already_released", grant, "released offline")
        log.info("claim %s granted: %s document %s", claim_id, grant.kind, grant.document_id)
        if grant.kind == "print":
            return self._print(grant)
        return self._open_door(grant)

    def _released_here_offline(self, grant: Grant) -> bool:
        return self.offline is not None and self.offline.document_released_unreconciled(grant.document_id)

    def _offline_grant(self, claim_id: str, code_hash: str | None, pin: str | None) -> Grant | None:
        """The offline store's grant for this claim (recorded there as an offline claim), or None."""
        if self.offline is None or code_hash is None:
            return None
        decision = self.offline.grant(claim_id=claim_id, code_hash=code_hash, pin=pin)
        return decision if isinstance(decision, Grant) else None

    # -- print ---------------------------------------------------------------------------------
    def _print(self, grant: Grant) -> Outcome:
        cid = grant.claim_id
        if not self.prints.available:
            return self._finish(cid, "failed", "device.failed", grant, "this lane has no printer")
        try:
            pdf = self.office.fetch_pdf(cid)
        except OfficeUnreachable as exc:
            return self._finish(cid, "abandoned", "office.unreachable", grant, exc.detail)
        except AmbilError as exc:
            return self._finish(cid, "failed", "device.failed", grant, f"fetch pdf: {exc.key}")
        if grant.pdf_sha256 and hashlib.sha256(pdf).hexdigest() != grant.pdf_sha256:
            return self._finish(cid, "failed", "device.failed", grant, "pdf checksum mismatch")
        blocked = self.prints.blocked()
        if blocked:  # nothing actuated yet: the pickup simply stays claimable
            detail = f"printer not ready: {','.join(blocked)}"
            return self._finish(cid, "failed", fault_message(blocked), grant, detail)
        spool = self.prints.spool(cid, pdf)
        pages = grant.pages or 0
        self.journal.intent(
            cid, {"kind": "print", "job_name": cid, "pages": pages}, code_hash=grant.code_hash
        )
        self.show(make_view(LaneState.PRINTING, page=0, pages=pages or "?"))

        def submitted(job_id: int) -> None:
            self.journal.update_action(
                cid, {"kind": "print", "job_name": cid, "job_id": job_id, "pages": pages}
            )

        def progress(pages_done: int) -> None:
            page = min(pages_done + 1, grant.pages or 10**6)
            self.show(make_view(LaneState.PRINTING, page=page, pages=grant.pages or "?"))

        result = self.prints.print(spool, cid, on_submitted=submitted, on_progress=progress)
        return self._finish(cid, result.outcome, result.reason, grant, result.detail)

    # -- locker --------------------------------------------------------------------------------
    def _open_door(self, grant: Grant) -> Outcome:
        cid, bank, door = grant.claim_id, grant.locker_bank or "", grant.door
        if not self.doors.has_bank(bank):
            detail = f"locker bank {grant.locker_bank!r} is not on this lane"
            return self._finish(cid, "failed", "device.failed", grant, detail)
        if self.doors.out_of_service(bank, door):
            return self._finish(cid, "failed", "door.out_of_service", grant, f"door {door} out of service")
        self.journal.intent(cid, {"kind": "door", "bank": bank, "door": door}, code_hash=grant.code_hash)
        result = self.doors.open(bank, door)
        if result.outcome == FAILED:  # nothing energised: the pickup stays claimable
            return self._finish(cid, "failed", "device.failed", grant, result.detail)
        if result.outcome == NOT_DETECTED:
            return self._finish(cid, "uncertain", "door.not_detected", grant, result.detail)
        return self._finish(cid, "released", "", grant, result.detail)

    # -- end -----------------------------------------------------------------------------------
    def _finish(
        self,
        claim_id: str,
        outcome: str,
        reason: str,
        grant: Grant | None = None,
        detail: str = "",
        params: dict | None = None,
    ) -> Outcome:
        if self.offline is not None and grant is not None and outcome in ("released", "uncertain"):
            self.offline.note_consumed(grant.pickup_id)  # an older snapshot may still list it
        self.journal.done(claim_id, outcome, detail if not reason else f"{reason}: {detail}")
        log.info("claim %s %s %s %s", claim_id, outcome, reason, detail)
        result = Outcome(claim_id, outcome, reason, grant, detail, dict(params or {}))
        self.on_outcome(result)
        return result
