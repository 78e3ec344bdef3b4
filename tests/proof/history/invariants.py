"""The promises a history is held to, checked from the physical record (``physical.py``), the
lane's own answers to the attacker, and, for "nothing lost", what staff can see and do.

Each check returns a list of violations (plain sentences); an empty list means it holds.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from sqlalchemy import func, select

from controller.office import audit
from controller.office.db.tables import audit_log
from tests.proof.history.physical import print_record
from tests.proof.history.world import LIMITS, SITE, World

# states a document may end a history in: done, or visible to staff with a way to act on it
SETTLED = {"draft", "ready", "released", "cancelled", "expired", "uncertain"}
# an item still behind a door is fine while its document is in one of these (staff see it)
HELD = {"draft", "ready", "uncertain", "expired"}
TOLD_WRONG = ("code.unknown", "code.pin_wrong")
STAFF_AUDITED = (
    "document.created",
    "pickup.issued",
    "document.cancelled",
    "locker.loaded",
    "locker.item_retrieved",
    "document.resolved",
)


def handed_out(world: World) -> list[str]:
    """At most once, and never to the holder of another document's code."""
    problems = []
    openings = Counter(o.shown_doc for o in world.doors.openings if o.shown_doc is not None)
    for doc_id, count in openings.items():
        if count > 1:
            problems.append(f"document {doc_id}: {count} door openings a citizen could use for its codes")
    for o in world.doors.openings:
        foreign = o.taken - {o.shown_doc}
        if foreign:
            whose = "an unknown code" if o.shown_doc is None else f"document {o.shown_doc}'s code"
            problems.append(
                f"door {o.bank}/{o.door} opened for {whose} gave out the item of document(s) "
                f"{sorted(foreign)}"
            )
    for bank, door, doc_id, inside in world.doors.misloads:
        problems.append(
            f"door {bank}/{door} was offered to load document {doc_id} while holding {sorted(inside)}"
        )
    outs = [(rig.lane_id, out) for rig in world.lanes.values() for out in print_record(rig.printer)]
    for doc in world.docs:
        if doc.kind != "print":
            continue
        complete = sum(1 for _lane, out in outs if out.output_sha == doc.pdf_sha)
        with_sheets = sum(1 for _lane, out in outs if out.pdf_sha == doc.pdf_sha and out.sheets)
        if complete > 1:
            problems.append(f"document {doc.id}: {complete} complete prints")
        if with_sheets > 1 + doc.reprints:
            problems.append(
                f"document {doc.id}: {with_sheets} print jobs put sheets out, "
                f"staff asked for {doc.reprints} reprint(s)"
            )
    for lane_id, out in outs:
        shown = world.job_doc.get((lane_id, out.job_id))
        if shown is not None and out.pdf_sha != shown.pdf_sha and out.sheets:
            problems.append(
                f"{lane_id} job {out.job_id} for document {shown.id}'s code printed another document"
            )
    return problems


def nothing_lost(world: World) -> list[str]:
    """After the history settled: every document in a state staff can act on, no item forgotten
    behind a door, every staff action's audit record present, the chain intact."""
    problems = []
    office = world.office
    described = {doc.id: office.get_document(doc.id) for doc in world.docs}
    state = {doc_id: d["state"] for doc_id, d in described.items()}
    for doc_id, d in described.items():
        pickup = d.get("pickup") or {}
        if pickup.get("state") not in (None, "ready", "released", "revoked", "expired"):
            problems.append(
                f"document {doc_id}: its pickup is still {pickup.get('state')!r} after every lane reported "
                "and the lease sweep ran (the citizen hears code.in_progress)"
            )
    for doc_id, now in state.items():
        if now not in SETTLED:
            problems.append(
                f"document {doc_id} is still {now!r} after every lane reported and the lease sweep ran"
            )
        elif now == "uncertain":
            problems.append(f"document {doc_id} stayed uncertain: staff could not resolve it")
    listed = set()
    if hasattr(world.lockers, "items_to_retrieve"):
        listed = {item["id"] for item in world.lockers.items_to_retrieve()}
    for (bank, door), inside in world.doors.contents.items():
        for doc_id in inside:
            now = state.get(doc_id)
            if now not in HELD and doc_id not in listed:
                problems.append(
                    f"the item of document {doc_id} is still in door {bank}/{door}, "
                    f"the office shows it {now!r} "
                    "and does not list it for retrieval"
                )
    with world.engine.connect() as conn:
        counts = dict(
            conn.execute(
                select(audit_log.c.action, func.count())
                .where(audit_log.c.action.in_(STAFF_AUDITED))
                .group_by(audit_log.c.action)
            ).all()
        )
    for action in STAFF_AUDITED:
        if counts.get(action, 0) != world.staff_done[action]:
            problems.append(
                f"audit: {counts.get(action, 0)} {action} records "
                f"for {world.staff_done[action]} staff actions"
            )
    audit.seal_all(office.engine)  # PostgreSQL: what the office's sealer does after each commit
    verdict = office.verify_audit()
    if not verdict.ok or verdict.pending:
        problems.append(f"audit chain broken or unsealed: {verdict}")
    return problems


def _worst_window(times: list[float], window: float) -> int:
    times = sorted(times)
    return max((sum(1 for t in times if at - window < t <= at) for at in times), default=0)


def guessing_bounded(world: World) -> list[str]:
    """The attacker learned "wrong" a bounded number of times per site, lane and pickup, and
    never got anything for a guess."""
    problems, per_lane, per_pin = [], defaultdict(list), Counter()
    site = []
    for lane_id, doc, kind, reason, at in world.answers:
        if kind not in ("guess_short", "guess_pin"):
            continue
        if reason == "":
            problems.append(
                f"a guessed {'PIN' if kind == 'guess_pin' else 'short code'} was released at {lane_id}"
            )
        if reason in TOLD_WRONG:
            site.append(at)
            per_lane[lane_id].append(at)
            if kind == "guess_pin":
                per_pin[doc.id] += 1
    window = LIMITS["window_seconds"]
    if _worst_window(site, window) > LIMITS["site_limit"]:
        problems.append(
            f"{_worst_window(site, window)} wrong guesses checked at {SITE} within an hour "
            f"(limit {LIMITS['site_limit']})"
        )
    for lane_id, times in per_lane.items():
        if _worst_window(times, window) > LIMITS["lane_limit"]:
            problems.append(
                f"{_worst_window(times, window)} wrong guesses checked at {lane_id} within an hour"
            )
    for doc_id, count in per_pin.items():
        if count > LIMITS["pin_limit"]:
            problems.append(f"document {doc_id}: {count} wrong PINs checked (limit {LIMITS['pin_limit']})")
    return problems
