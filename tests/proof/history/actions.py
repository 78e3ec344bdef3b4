"""What people do in a history: staff at the office and the lockers, citizens and an attacker at
the lanes. Each action goes through the product's own API (the Office, the Lockers service, the
lane's ``handle`` and ``service_open``) and records what physically happened in ``World.doors``
and ``World.answers``. A refused staff action (``AmbilError``) is part of the history, not a
failure: the office said no, and the checker goes on.
"""

from __future__ import annotations

import hashlib
from contextlib import contextmanager

from controller.kernel.errors import AmbilError
from controller.office.kinds import DocumentKinds
from tests.conftest import make_pdf
from tests.proof.history.faults import LaneKilled
from tests.proof.history.physical import print_record
from tests.proof.history.world import FAST_PAGE, SLOW_PAGE, Doc, LaneRig, World
from tests.rigs.wait import wait_for

STAFF = "staff:checker"


@contextmanager
def staff(world: World, action: str):
    """A staff action: counted (for the audit check) when the office accepts it."""
    try:
        yield
    except AmbilError as exc:
        world.refusals[exc.key] += 1
    else:
        world.staff_done[action] += 1


@contextmanager
def lane_process(rig: LaneRig):
    """Run lane code; a ``LaneKilled`` from the journal killer ends that lane process."""
    try:
        yield
    except LaneKilled:
        rig.died()


# -- staff ---------------------------------------------------------------------------------
def register(world: World, kind: str, pin: bool, pages: int, door_pick: int = 0) -> None:
    """Staff register a print document (with its PDF) or a locker item (with a free door)."""
    office, number = world.office, len(world.docs) + 1
    if kind == "print":
        pdf = make_pdf(pages, text=f"history document {number} at {world.clock():.0f}")
        with staff(world, "document.created"):
            kind_id = _pin_kind(world) if pin else None
            created = office.create_document(
                kind="print", title=f"Dok {number}", actor=STAFF, pdf=pdf, kind_id=kind_id
            )
            sha = hashlib.sha256(pdf).hexdigest()
            world.docs.append(Doc(created["id"], "print", sha, pin=pin, pages=pages))
        return
    banks = {r.bank_id for r in world.lanes.values()}
    doors = [d for d in world.lockers.usable_doors() if d.bank_id in banks]
    if not doors:
        world.refusals["no free door"] += 1
        return
    door = doors[door_pick % len(doors)]
    with staff(world, "document.created"):
        created = office.create_document(
            kind="locker", title=f"Barang {number}", actor=STAFF, locker_bank=door.bank_id, door=door.door
        )
        world.docs.append(Doc(created["id"], "locker", bank=door.bank_id, door=door.door))


def register_at(world: World, bank_id: str, door: int) -> Doc | None:
    """Staff register a locker item for one named door (the office refuses a door not free)."""
    number = len(world.docs) + 1
    with staff(world, "document.created"):
        created = world.office.create_document(
            kind="locker", title=f"Barang {number}", actor=STAFF, locker_bank=bank_id, door=door
        )
        world.docs.append(Doc(created["id"], "locker", bank=bank_id, door=door))
        return world.docs[-1]
    return None


def _pin_kind(world: World) -> int:
    if world.pin_kind is None:
        world.pin_kind = (
            DocumentKinds(world.engine).create("Paspor", "print", second_factor=True, actor=STAFF).id
        )
    return world.pin_kind


def _open_for_staff(world: World, bank_id: str, door: int, reason: str) -> bool:
    """Open a door for staff: through its lane when the office can reach it, else with the key."""
    rig = next(r for r in world.lanes.values() if r.bank_id == bank_id)
    if rig.alive and not rig.link.down:
        answer = {"outcome": "failed"}
        with lane_process(rig):
            answer = rig.lane.service_open(bank_id, door, actor=STAFF, reason=reason)
        if answer["outcome"] != "opened":
            rig.bank.close_door(door)  # if it swung open after all, staff push it shut
            return False
        world.events["staff_open_by_lane"] += 1
    else:
        rig.bank.open_door(door)  # the office cannot reach the lane: staff use the master key
        world.events["staff_open_by_key"] += 1
    return True


def load(world: World, doc: Doc) -> None:
    """Open a draft locker document's door, put its item in, close it and confirm the loading."""
    if doc.kind != "locker" or doc.loaded:
        return
    try:  # as the staff page does: the office first confirms the door is still this document's
        world.lockers.assign_door(doc.id, doc.bank, doc.door, actor=STAFF)
    except AmbilError as exc:
        world.refusals[exc.key] += 1  # e.g. cancelled meanwhile: the page offers no door to open
        return
    if not _open_for_staff(world, doc.bank, doc.door, "load"):
        return
    world.doors.put(doc.bank, doc.door, doc.id)
    world.bank(doc.bank).close_door(doc.door)
    with staff(world, "locker.loaded"):
        try:
            world.lockers.confirm_loaded(doc.id, actor=STAFF, door_closed=True)
        except AmbilError:
            world.doors.take_back(doc.bank, doc.door, doc.id)  # refused: staff keep the item
            raise
        doc.loaded = True


def mark_ready(world: World, doc: Doc) -> None:
    with staff(world, "pickup.issued"):
        doc.codes.append(world.office.mark_ready(doc.id, STAFF, expiry_days=1))


def reissue(world: World, doc: Doc) -> None:
    with staff(world, "pickup.issued"):
        doc.codes.append(world.office.reissue(doc.id, STAFF, expiry_days=1))


def cancel(world: World, doc: Doc) -> None:
    with staff(world, "document.cancelled"):
        world.office.cancel(doc.id, STAFF)


def retrieve(world: World, pick: int, doc: Doc | None = None) -> None:
    """Staff take an item the office lists for retrieval (``doc``'s, if given) out of its door
    and confirm it."""
    lockers = world.lockers
    listed = getattr(lockers, "items_to_retrieve", lambda: [])()
    if doc is not None:
        listed = [item for item in listed if item["id"] == doc.id]
    if not listed:
        return
    item = listed[pick % len(listed)]
    bank_id, door = item["locker_bank"], item["door"]
    if bank_id is None or not _open_for_staff(world, bank_id, door, "retrieve"):
        return
    world.doors.take_back(bank_id, door, item["id"])
    world.bank(bank_id).close_door(door)
    with staff(world, "locker.item_retrieved"):
        lockers.mark_retrieved(item["id"], actor=STAFF)


def citizen_has(world: World, doc: Doc) -> bool:
    """Physically: a complete print of it came out, or its item left its door."""
    if doc.kind == "print":
        return any(
            out.output_sha == doc.pdf_sha for rig in world.lanes.values() for out in print_record(rig.printer)
        )
    return any(doc.id in opening.taken for opening in world.doors.openings)


def sheets_out(world: World, doc: Doc) -> int:
    return sum(
        1
        for rig in world.lanes.values()
        for out in print_record(rig.printer)
        if out.pdf_sha == doc.pdf_sha and out.sheets
    )


def resolve(world: World, pick: int) -> None:
    """Staff settle an uncertain document truthfully: they look at the tray or in the door."""
    uncertain = [d for d in world.docs if world.office.get_document(d.id)["state"] == "uncertain"]
    if not uncertain:
        return
    doc = uncertain[pick % len(uncertain)]
    released = citizen_has(world, doc)
    with staff(world, "document.resolved"):
        world.office.resolve_uncertain(doc.id, STAFF, released=released)
        if not released and doc.kind == "print" and sheets_out(world, doc) > doc.reprints:
            doc.reprints += 1  # part of it came out: staff chose a reprint


def fix_printer(world: World, rig: LaneRig) -> None:
    rig.printer.set_paper(None)
    rig.printer.clear_reason("media-jam")


# -- citizens and the attacker -------------------------------------------------------------
def show(
    world: World, rig: LaneRig, doc: Doc | None, kind: str, text: str, *, pin=None, repeat=False, label=None
):
    """Someone shows ``text`` (a QR, or types a short code) at ``rig``; ``doc``: whose it is.

    Returns the lane's answer (the outcome's reason key, '' when released, None: no outcome)."""
    if not rig.alive:
        return None
    world.at += 0.5 if repeat else 10.0
    # an armed door fault waits for the next pulse, a slow printer for the next job
    pulses, late = len(rig.bank.pulses), rig.faults.get("late", False)
    jobs = set(rig.printer.given)
    if rig.faults.get("stuck") or late:
        for door in range(1, rig.bank.doors + 1):
            rig.bank.set_stuck(door)
    outcome = None
    with lane_process(rig):
        outcome = rig.lane.intake.handle(world.at, kind, text)
        if outcome is not None and outcome.reason == "code.pin_required" and pin is not None:
            world.answers.append((rig.lane_id, doc, kind, outcome.reason, world.clock()))
            kind, outcome = "pin", None
            outcome = rig.lane.intake.handle(world.at, "pin", pin)
        rig.lane.reporter.flush()  # what the lane's Reporter thread does when the release pokes it
    for door in range(1, rig.bank.doors + 1):
        rig.bank.set_stuck(door, False)
    if len(rig.bank.pulses) > pulses:
        rig.faults.clear()
    for door, _ms, _at in rig.bank.pulses[pulses:]:
        wait_for(lambda door=door: door not in rig.bank._timers, timeout=10, what="the sim door's movement")
        opened = rig.bank.door_open(door)
        if not opened and late:
            rig.bank.open_door(door)  # the lock let go after the lane stopped watching
        if opened or late:
            world.doors.citizen_opened(rig.bank_id, door, doc.id if doc else None, late=not opened)
            rig.bank.close_door(door)
    for job_id in set(rig.printer.given) - jobs:
        world.job_doc[(rig.lane_id, job_id)] = doc
    if set(rig.printer.given) - jobs:
        rig.printer.seconds_per_page = FAST_PAGE
    reason = None if outcome is None else outcome.reason
    if reason == "" and doc is not None and label is None:
        doc.told_released = True
    if doc is not None and label is None and (not rig.alive or reason in COME_BACK or _try_again(reason)):
        world.interrupted.append((rig.lane_id, doc, text))  # no answer, or "try again": they come back
    world.answers.append((rig.lane_id, doc, label or kind, reason, world.clock()))
    return reason


COME_BACK = {"office.unreachable", "device.failed"}


def _try_again(reason: str | None) -> bool:
    """A print the lane called failed: the screen asks the driver to try again."""
    return bool(reason) and reason.startswith("print.") and reason != "print.not_confirmed"


def arm_printer(rig: LaneRig, fault: str, sheets: int) -> None:
    """The tray holds ``sheets`` more sheets, or a jam comes after ``sheets``, or it is slow."""
    if fault == "paper":
        rig.printer.set_paper(sheets)
    elif fault == "jam":
        rig.printer.jam_after(sheets)
    else:
        rig.printer.seconds_per_page = SLOW_PAGE
    rig.world.struck[f"printer_{fault}"] += 1


# -- the lanes' and the office's own periodic work -----------------------------------------
def report(rig: LaneRig) -> None:
    if rig.alive:
        with lane_process(rig):
            rig.lane.reporter.flush()


def sync(rig: LaneRig) -> None:
    if rig.alive:
        with lane_process(rig):
            rig.lane.sync.sync_once()


def land_slow_commit(world: World, pick: int) -> None:
    if world.pending:
        call = world.pending.pop(pick % len(world.pending))
        try:
            call()
        except AmbilError as exc:
            world.refusals[f"late:{exc.key}"] += 1


def office_sweeps(world: World) -> None:
    """The office's periodic jobs: stale claims, due expiries, old guesses."""
    for job in ("expire_stale_claims", "expire_due", "prune_guesses"):
        if hasattr(world.office, job):
            getattr(world.office, job)()
