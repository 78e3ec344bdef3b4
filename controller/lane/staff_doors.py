"""Opening a locker door for staff (loading an item, a technician's test), through the lane.

It runs the release protocol's steps so a service opening leaves the same trace and keeps the same
safety rules as a pickup: a journal record (claiming -> INTENT -> DONE) written before the relay is
energised, the lane's one door pulse (``controller.lane.actuation``: bounded, the sensor watched,
the result given to the door watch), the outcome journaled. Its outcomes are not claim outcomes:
the journal marks them reported at once, so the reporter never sends them to the office (there is
no claim there to report on).
"""

from __future__ import annotations

import logging
import uuid

from controller.lane.actuation import DoorActuator
from controller.lane.journal import Journal
from controller.lane.offline import OfflineStore

log = logging.getLogger(__name__)

SERVICE_PREFIX = "service-"


class ServiceOpener:
    """Staff door openings of lane ``lane_id``; ``offline`` is the lane's offline store (or None).

    The caller keeps openings off the lane's worker and never during a release
    (``Lane.service_open`` holds the lane's act lock).
    """

    def __init__(
        self, *, lane_id: str, journal: Journal, doors: DoorActuator, offline: OfflineStore | None = None
    ) -> None:
        self.lane_id = lane_id
        self.journal = journal
        self.doors = doors
        self.offline = offline

    def open(self, bank_id: str, door: int, *, actor: str, reason: str) -> dict:
        """Open ``door`` of ``bank_id`` once for staff; returns the lane's answer.

        The answer: ``{"lane_id", "bank", "door", "outcome", "detail", "journal_id"}`` where outcome
        is ``opened`` (``detail`` says whether a sensor saw it), ``not_detected`` (pulsed, the sensor
        did not read open) or ``failed`` (nothing was pulsed, or the pulse failed).
        """
        journal_id = SERVICE_PREFIX + uuid.uuid4().hex
        answer = {"lane_id": self.lane_id, "bank": bank_id, "door": door, "journal_id": journal_id}
        # the journal's code_hash column names what this record is about: never a code here
        self.journal.claiming(journal_id, f"service:{reason}")
        bank = self.doors.lockers.get(bank_id)
        if bank is None:
            return self._finish(answer, "failed", f"locker bank {bank_id!r} is not on this lane")
        if isinstance(door, bool) or not isinstance(door, int) or not 1 <= door <= bank.doors:
            return self._finish(answer, "failed", f"no door {door!r} on bank {bank_id!r}")
        self.journal.intent(journal_id, {"kind": "door", "bank": bank_id, "door": door, "service": reason})
        if self.offline is not None:
            # staff may put another item in (or take this one out): until the next sync, no code of
            # the old snapshot may open this door offline (DESIGN 5, the load id belt)
            self.offline.forget_door(bank_id, door)
        log.info("service open of bank %s door %d (%s) by %s", bank_id, door, reason, actor)
        result = self.doors.open(bank_id, door)
        return self._finish(answer, result.outcome, result.detail)

    def _finish(self, answer: dict, outcome: str, detail: str) -> dict:
        # "service_*" is not a claim outcome (journal.REPORTABLE), so done() records it as reported;
        # mark_reported makes that explicit should REPORTABLE ever grow
        self.journal.done(answer["journal_id"], f"service_{outcome}", detail)
        self.journal.mark_reported(answer["journal_id"])
        log.info("service open of bank %s door %s: %s (%s)", answer["bank"], answer["door"], outcome, detail)
        return {**answer, "outcome": outcome, "detail": detail}
