"""Opening a locker door for staff (loading an item, a technician's test), through the lane.

It runs the release protocol's steps so a service opening leaves the same trace and keeps the same
safety rules as a pickup: a journal record (claiming -> INTENT -> DONE) written before the relay is
energised, one bounded pulse through the bank driver, the door sensor watched, the outcome
journaled. Its outcomes are not claim outcomes: the journal marks them reported at once, so the
reporter never sends them to the office (there is no claim there to report on).
"""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING

from hardware.errors import DeviceError, DeviceOffline

if TYPE_CHECKING:
    from controller.lane.lane import Lane

log = logging.getLogger(__name__)

SERVICE_PREFIX = "service-"
# locker errors that guarantee the lock was never energised (same rule as a release)
NOTHING_ACTUATED = frozenset({"no-such-door", "relay-failed", "offline"})


def service_open(lane: Lane, bank_id: str, door: int, *, actor: str, reason: str) -> dict:
    """Open ``door`` of ``bank_id`` once for staff; returns the lane's answer.

    The answer: ``{"lane_id", "bank", "door", "outcome", "detail", "journal_id"}`` where outcome
    is ``opened`` (``detail`` says whether a sensor saw it), ``not_detected`` (pulsed, the sensor
    did not read open) or ``failed`` (nothing was pulsed, or the pulse failed).
    The caller must keep it off the lane's worker (``Lane.service_open`` does).
    """
    journal_id = SERVICE_PREFIX + uuid.uuid4().hex
    answer = {"lane_id": lane.settings.lane_id, "bank": bank_id, "door": door, "journal_id": journal_id}
    settings = lane.releaser.settings
    # the journal's code_hash column names what this record is about: never a code here
    lane.journal.claiming(journal_id, f"service:{reason}")
    bank = lane.lockers.get(bank_id)
    if bank is None:
        return _finish(lane, answer, "failed", f"locker bank {bank_id!r} is not on this lane")
    if isinstance(door, bool) or not isinstance(door, int) or not 1 <= door <= bank.doors:
        return _finish(lane, answer, "failed", f"no door {door!r} on bank {bank_id!r}")
    lane.journal.intent(journal_id, {"kind": "door", "bank": bank_id, "door": door, "service": reason})
    offline = lane.releaser.offline
    if offline is not None:
        # staff may put another item in (or take this one out): until the next sync, no code of
        # the old snapshot may open this door offline (DESIGN 5, the load id belt)
        offline.forget_door(bank_id, door)
    log.info("service open of bank %s door %d (%s) by %s", bank_id, door, reason, actor)
    watch = lane.outputs.door_watches.get(bank_id)
    if watch is not None:  # staff asked for this opening: not a forced door
        watch.expect_open(door, within_s=settings.door_open_timeout + 2)
    try:
        bank.pulse(door, settings.pulse_ms)
    except DeviceError as exc:
        if isinstance(exc, DeviceOffline) or exc.reason in NOTHING_ACTUATED:
            return _finish(lane, answer, "failed", f"pulse: {exc}")
        return _finish(lane, answer, "not_detected", f"pulse: {exc}")
    try:
        opened = bank.wait_open(door, settings.door_open_timeout)
    except DeviceError as exc:
        return _finish(lane, answer, "not_detected", f"sensor: {exc}")
    if opened is False:
        return _finish(lane, answer, "not_detected", "sensor did not read open")
    return _finish(lane, answer, "opened", "door opened" if opened else "no door sensor")


def read_door(lane: Lane, bank_id: str, door: int) -> bool | None:
    """The door sensor now: True open, False closed, None no sensor or not readable."""
    bank = lane.lockers.get(bank_id)
    if bank is None:
        return None
    try:
        return bank.door_open(door)
    except DeviceError as exc:
        log.warning("door sensor of bank %s door %d not readable: %s", bank_id, door, exc)
        return None


def _finish(lane: Lane, answer: dict, outcome: str, detail: str) -> dict:
    # "service_*" is not a claim outcome (journal.REPORTABLE), so done() records it as reported;
    # mark_reported makes that explicit should REPORTABLE ever grow
    lane.journal.done(answer["journal_id"], f"service_{outcome}", detail)
    lane.journal.mark_reported(answer["journal_id"])
    log.info("service open of bank %s door %s: %s (%s)", answer["bank"], answer["door"], outcome, detail)
    return {**answer, "outcome": outcome, "detail": detail}
