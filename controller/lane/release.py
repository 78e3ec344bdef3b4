"""The release protocol of DESIGN section 5: claim, INTENT, act, DONE (at most once).

``Releaser.release`` runs one release to its end on the calling (worker) thread and returns the
outcome. The journal is written before every step that could actuate anything, and nothing in
here ever repeats an actuation: a retry is always a new claim decided by the office.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from controller.kernel.errors import AmbilError, OfficeUnreachable
from controller.lane.actuation import FAILED, NOT_DETECTED, DoorActuator
from controller.lane.journal import Journal
from controller.lane.link import Grant, OfficeLink
from controller.lane.offline import OfflineStore
from controller.lane.print_outcome import (
    QUEUE_BLOCKED_REASONS,
    UNCERTAIN_MESSAGE,
    describe,
    fault_message,
    judge,
    printer_problems,
)
from controller.lane.screen import LaneState, LaneView, make_view
from hardware.errors import DeviceError
from hardware.printer.interface import JobState, JobStatus, Printer
from hardware.status import DeviceState

log = logging.getLogger(__name__)

# the journal's code hash of a short-code claim until the grant names the pickup (never a hash)
SHORT_CODE_MARKER = "short-code"


@dataclass(frozen=True)
class BankPlacement:
    columns: int = 4
    where: str = ""
    where_en: str = ""

    def describe(self, bank: str, door: int) -> dict:
        """Where door N is, in both languages, for the lane screen."""
        row, col = (door - 1) // self.columns + 1, (door - 1) % self.columns + 1
        where_id = f"loker {bank}, baris {row} dari atas, kolom {col} dari kiri"
        where_en = f"locker {bank}, row {row} from the top, column {col} from the left"
        if self.where:
            where_id += f", {self.where}"
        if self.where_en:
            where_en += f", {self.where_en}"
        return {"row": row, "column": col, "where_id": where_id, "where_en": where_en}


@dataclass(frozen=True)
class ReleaseSettings:
    """The print side's limits (the door's are the ``DoorActuator``'s)."""

    print_timeout: float = 120.0
    poll_interval: float = 0.3
    fault_grace: float = 3.0  # a printer fault lasting this long during a job ends the wait
    placements: dict = field(default_factory=dict)  # bank id -> BankPlacement


@dataclass(frozen=True)
class Outcome:
    claim_id: str
    outcome: str  # released | failed | uncertain | refused | abandoned
    reason: str = ""  # an error key (controller.kernel.errors) when not released
    grant: Grant | None = None
    detail: str = ""


class Releaser:
    """``doors`` pulses doors (``controller.lane.actuation``); ``offline`` is the lane's offline
    store (None: this lane never releases offline)."""

    def __init__(
        self,
        *,
        journal: Journal,
        office: OfficeLink,
        printer: Printer | None,
        doors: DoorActuator,
        spool_dir: Path,
        settings: ReleaseSettings,
        show: Callable[[LaneView], None],
        offline: OfflineStore | None = None,
    ):
        self.journal = journal
        self.office = office
        self.printer = printer
        self.doors = doors
        self.spool_dir = spool_dir
        self.settings = settings
        self.show = show
        self.offline = offline
        spool_dir.mkdir(parents=True, exist_ok=True)

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
        try:
            if code_hash is not None:
                grant = self.office.claim(code_hash=code_hash, claim_id=claim_id, pin=pin)
            else:
                grant = self.office.claim_short(short_code=short_code, claim_id=claim_id, pin=pin)
        except OfficeUnreachable as exc:
            offline = self._offline_grant(claim_id, code_hash, pin)
            if offline is not None:  # DESIGN 5: this lane's locker, synced, within the grace period
                return self._open_door(offline)
            # the office may have granted it and the answer got lost: tell it we walked away
            return self._finish(claim_id, "abandoned", "office.unreachable", detail=exc.detail)
        except AmbilError as exc:
            return self._finish(claim_id, "refused", exc.key, detail=exc.detail)
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
        if self.printer is None:
            return self._finish(cid, "failed", "device.failed", grant, "this lane has no printer")
        try:
            pdf = self.office.fetch_pdf(cid)
        except OfficeUnreachable as exc:
            return self._finish(cid, "abandoned", "office.unreachable", grant, exc.detail)
        except AmbilError as exc:
            return self._finish(cid, "failed", "device.failed", grant, f"fetch pdf: {exc.key}")
        if grant.pdf_sha256 and hashlib.sha256(pdf).hexdigest() != grant.pdf_sha256:
            return self._finish(cid, "failed", "device.failed", grant, "pdf checksum mismatch")
        blocked = self._printer_blocked()
        if blocked:  # nothing actuated yet: the pickup simply stays claimable
            detail = f"printer not ready: {','.join(blocked)}"
            return self._finish(cid, "failed", fault_message(blocked), grant, detail)
        spool = self.spool_dir / f"{cid}.pdf"
        spool.write_bytes(pdf)
        pages = grant.pages or 0
        action = {"kind": "print", "job_name": cid, "pages": pages}
        self.journal.intent(cid, action, code_hash=grant.code_hash)
        self.show(make_view(LaneState.PRINTING, page=0, pages=pages or "?"))
        try:
            job_id = self.printer.submit(spool, cid)
        except DeviceError as exc:
            return self._settle_failed_submit(grant, exc)
        finally:
            spool.unlink(missing_ok=True)
        self.journal.update_action(cid, {"kind": "print", "job_name": cid, "job_id": job_id, "pages": pages})
        return self._follow_print(grant, job_id)

    def _fault_persists(self, since: float | None) -> bool:
        """Check the printer while a job runs: True once a blocking reason has lasted
        ``fault_grace`` seconds (a reason left over from the previous job clears when ours starts)."""
        status = self.printer.status()
        self._last_fault = bool(printer_problems(status))
        return (
            self._last_fault and since is not None and time.monotonic() - since >= self.settings.fault_grace
        )

    def _printer_blocked(self) -> list[str]:
        """Why the queue cannot take a job at all ([] when it can). Paper and toner reasons don't
        count here: CUPS only refreshes them while a job runs, so only a new job can clear them."""
        status = self.printer.status()
        blocked = sorted(set(status.reasons) & QUEUE_BLOCKED_REASONS)
        if status.state == DeviceState.OFFLINE and not blocked:
            blocked = ["offline"]
        return blocked

    def _settle_failed_submit(self, grant: Grant, exc: DeviceError) -> Outcome:
        """A submit that raised may still have queued the job: look before calling it failed."""
        cid = grant.claim_id
        try:
            jobs = self.printer.find_jobs(cid)
        except DeviceError:
            return self._finish(cid, "uncertain", UNCERTAIN_MESSAGE, grant, f"submit: {exc}")
        if not jobs:  # refused: nothing can have come out
            return self._finish(cid, "failed", fault_message([exc.reason]), grant, f"submit: {exc}")
        return self._follow_print(grant, jobs[-1].job_id)

    def _follow_print(self, grant: Grant, job_id: int) -> Outcome:
        cid = grant.claim_id
        deadline = time.monotonic() + self.settings.print_timeout
        last_pages = -1
        job: JobStatus | None = None
        fault_since: float | None = None
        self._last_fault = False
        while True:
            try:
                job = self.printer.job(job_id)
            except DeviceError as exc:
                return self._finish(cid, "uncertain", UNCERTAIN_MESSAGE, grant, f"follow: {exc}")
            if job.pages_done != last_pages:
                last_pages = job.pages_done
                total = grant.pages or "?"
                self.show(
                    make_view(
                        LaneState.PRINTING, page=min(job.pages_done + 1, grant.pages or 10**6), pages=total
                    )
                )
            if job.state.final or job.state == JobState.STOPPED or time.monotonic() > deadline:
                break
            if job.state == JobState.PROCESSING and self._fault_persists(fault_since):
                break  # out of paper, jammed, offline...: tell the driver now, not at the timeout
            fault_since = fault_since if self._last_fault else None
            if self._last_fault and fault_since is None:
                fault_since = time.monotonic()
            time.sleep(self.settings.poll_interval)
        status = self.printer.status()
        problems = printer_problems(status)
        if job.state == JobState.COMPLETED and not problems:
            return self._finish(cid, "released", "", grant, f"job {job_id} completed")
        cancelled = False
        if not job.state.final:  # stopped, or past its timeout: never let it resume by itself
            try:
                self.printer.cancel(job_id)
                job = self.printer.job(job_id)  # a sheet may have come out since the last look
            except DeviceError as exc:
                detail = f"{describe(job, status, problems)}; cancel: {exc}"
                return self._finish(cid, "uncertain", UNCERTAIN_MESSAGE, grant, detail)
            cancelled = True
        outcome, reason = judge(job, problems, cancelled=cancelled)
        return self._finish(cid, outcome, reason, grant, describe(job, status, problems))

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
        self, claim_id: str, outcome: str, reason: str, grant: Grant | None = None, detail: str = ""
    ) -> Outcome:
        if self.offline is not None and grant is not None and outcome in ("released", "uncertain"):
            self.offline.note_consumed(grant.pickup_id)  # an older snapshot may still list it
        self.journal.done(claim_id, outcome, detail if not reason else f"{reason}: {detail}")
        log.info("claim %s %s %s %s", claim_id, outcome, reason, detail)
        if outcome == "released":
            if grant and grant.kind == "locker":
                placement = self.settings.placements.get(grant.locker_bank, BankPlacement())
                where = placement.describe(grant.locker_bank, grant.door)
                self.show(make_view(LaneState.DOOR_OPEN, door=grant.door, bank=grant.locker_bank, **where))
            else:
                self.show(make_view(LaneState.TAKE_DOCUMENT))
        elif reason == "office.unreachable":
            self.show(make_view(LaneState.OFFLINE))
        elif reason == "code.pin_required":
            self.show(make_view(LaneState.PIN_ENTRY))
        elif outcome == "refused" or reason == "code.already_released":
            self.show(make_view(LaneState.REFUSED, reason=reason))
        else:
            self.show(make_view(LaneState.PROBLEM, reason=reason))
        return Outcome(claim_id, outcome, reason, grant, detail)
