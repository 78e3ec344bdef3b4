"""The defects of issue 11 brought back, one at a time, so the history checker can be shown to
find each of them (``python -m tests.proof.history.mutants``).

A mutant is the pre-fix behaviour at the defect's cause, written as source edits of the product's
own functions: each edit names the function, the fixed text and the pre-fix text. The edited
source is compiled in the function's own module and installed there (and wherever another module
imported that function by name); ``mutant(name)`` undoes it on exit. An edit whose fixed text is
no longer in the function fails loudly (the product moved on: update the mutant), so a mutant
cannot silently turn into the fixed code. Only the checker enables them: ``AMBIL_MUTANT=defect4``
in ``test_histories.py``.
"""

from __future__ import annotations

import importlib
import inspect
import sys
import textwrap
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class Edit:
    """In ``module``'s function ``name`` (``Class.method`` for a method), ``fixed`` -> ``pre_fix``."""

    module: str
    name: str
    fixed: str
    pre_fix: str


@dataclass(frozen=True)
class Mutant:
    defect: int
    what: str  # the pre-fix behaviour, as issue 11 describes it
    edits: tuple[Edit, ...]


def _owner_and_function(edit: Edit):
    module = importlib.import_module(edit.module)
    owner, _, attr = edit.name.rpartition(".")
    holder = getattr(module, owner) if owner else module
    return module, holder, attr, inspect.unwrap(holder.__dict__[attr])


def _mutated(edits: list[Edit]):
    """The function of ``edits`` (all of one function) compiled with every edit applied."""
    module, holder, attr, original = _owner_and_function(edits[0])
    source = textwrap.dedent(inspect.getsource(original))
    for edit in edits:
        if source.count(edit.fixed) != 1:
            raise AssertionError(
                f"mutant edit of {edit.module}.{edit.name} no longer applies: {edit.fixed!r}"
            )
        source = source.replace(edit.fixed, edit.pre_fix)
    namespace = dict(vars(module))
    exec(compile(source, f"<mutant of {edits[0].module}.{edits[0].name}>", "exec"), namespace)
    return holder, attr, original, namespace[original.__name__]


@contextmanager
def mutant(name: str):
    """Install the mutant ``name`` (e.g. ``defect4``) for the duration of the block."""
    by_function: dict[tuple[str, str], list[Edit]] = {}
    for edit in MUTANTS[name].edits:
        by_function.setdefault((edit.module, edit.name), []).append(edit)
    undo = []
    try:
        for edits in by_function.values():
            holder, attr, original, new = _mutated(edits)
            undo.append((holder, attr, original))
            setattr(holder, attr, new)
            if inspect.ismodule(holder):  # modules that imported it by name see the mutant too
                for other in list(sys.modules.values()):
                    if other is not holder and getattr(other, attr, None) is original:
                        undo.append((other, attr, original))
                        setattr(other, attr, new)
        yield MUTANTS[name]
    finally:
        for holder, attr, original in reversed(undo):
            setattr(holder, attr, original)


OFFICE, LANE = "controller.office.", "controller.lane."

# defect 5's switches (0be9e1d does not revert): a door confirmed empty is free at once, the lane
# grants offline whatever its door holds now, and a service opening does not drop the snapshot's
# codes of that door. Defect 6 needs them too (the pre-fix office had none of these).
_DEFECT5 = (
    Edit(
        OFFICE + "door_release",
        "door_state_of",
        '    if doc.state == "cancelled" and doc.retrieved_at is not None and clearing is not None:',
        "    if False:  # mutant: no awaiting_sync",
    ),
    Edit(
        LANE + "offline",
        "OfflineStore._refusal",
        "if load_id is None or load_id != door_load_id:",
        "if False:  # mutant: no load-id check",
    ),
    Edit(
        LANE + "staff_doors",
        "ServiceOpener.open",
        "self.offline.forget_door(bank_id, door)",
        "pass  # mutant: the snapshot keeps the door's codes",
    ),
)

MUTANTS = {
    "defect1": Mutant(
        1,
        "an abandoned report of a claim the office has not seen is ignored (no tombstone), and no "
        "lease sweep: a slow claim that commits after it stays claimed for good",
        (
            Edit(
                OFFICE + "claim_reports",
                "report_claim",
                "        if _tombstone(conn, claim_id=claim_id, lane_id=lane_id, now=now):\n"
                "            return None\n"
                "        found = conn.execute(known).one()  # the claim committed first: report on it\n",
                '        log.info("abandoned report for unknown claim %s ignored", claim_id)\n'
                "        return None\n",
            ),
            Edit(
                OFFICE + "leases",
                "expire_stale_claims",
                "    stale = conn.execute(",
                "    return []  # mutant: no lease\n    stale = conn.execute(",
            ),
        ),
    ),
    "defect2": Mutant(
        2,
        "one wrong-entry counter per lane, reset by any short code that exists (claimable or not), "
        "shared by wrong PINs; no per-site, per-window or per-pickup bound",
        (
            Edit(
                OFFICE + "guessing",
                "admit",
                "    if pickup_id is not None and pin_misses(conn, pickup_id) >= limits.pin_limit:",
                "    if False:  # mutant: no per-pickup PIN bound",
            ),
            Edit(
                OFFICE + "guessing",
                "admit",
                "    if _count(conn, guess_failures.c.lane_id == lane_id, guess_failures.c.at > since) >= limits.lane_limit:",  # noqa: E501
                "    if False:  # mutant: no per-lane window",
            ),
            Edit(
                OFFICE + "guessing",
                "admit",
                "    if _count(conn, guess_failures.c.site == site, guess_failures.c.at > since) >= limits.site_limit:",  # noqa: E501
                "    if False:  # mutant: no per-site window",
            ),
            Edit(
                OFFICE + "guessing",
                "record_miss",
                "    pin_locked = pickup_id is not None and pin_misses(conn, pickup_id) >= limits.pin_limit",
                "    pin_locked = False  # mutant",
            ),
            Edit(
                OFFICE + "claims",
                "claim_by_short_code",
                "    # a code that exists resets nothing, even if claimed: only its release does (report_claim)\n",  # noqa: E501
                "    guessing.end_streak(conn, lane_id=lane_id)  # mutant: any existing code resets the run\n",  # noqa: E501
            ),
        ),
    ),
    "defect4": Mutant(
        4,
        "a print is released only when its job completed with no printer problem; every other "
        "ending (completed then tray empty, cut by the timeout after sheets came out) is failed",
        (
            Edit(
                LANE + "actuation",
                "PrintActuator._follow",
                "outcome, reason = judge(job, problems, cancelled=cancelled)",
                "outcome, reason = PRINT_FAILED, fault_message(problems, job.state)  # mutant",
            ),
            Edit(
                LANE + "recovery",
                "_settle_print",
                "    outcome, _reason = judge(job, problems)",
                "    if job.state == JobState.COMPLETED and not problems:  # mutant: the pre-fix rule\n"
                '        return "released", f"job {job.job_id} completed"\n'
                "    if job.state in (JobState.CANCELLED, JobState.ABORTED):\n"
                '        return "failed", f"job {job.job_id} {job.state}"\n'
                '    outcome = "uncertain"',
            ),
        ),
    ),
    "defect5": Mutant(5, "a stale offline snapshot opens a door that now holds another item", _DEFECT5),
    "defect6": Mutant(
        6,
        "cancelling a loaded locker document frees its door with the item inside (no retrieval)",
        (
            Edit(
                OFFICE + "door_release",
                "unretrieved",
                "    return and_(",
                '    return __import__("sqlalchemy").false()  # mutant\n    return and_(',
            ),
            Edit(
                OFFICE + "door_release",
                "needs_retrieval",
                '    return get("state") == "cancelled" and',
                '    return False and get("state") == "cancelled" and',
            ),
            *_DEFECT5,
        ),
    ),
    "defect7": Mutant(
        7,
        "the journal keeps the short-code marker instead of the grant's code hash at INTENT",
        (
            Edit(
                LANE + "journal",
                "Journal.intent",
                "(json.dumps(action, sort_keys=True), code_hash, time.time(), claim_id)",
                "(json.dumps(action, sort_keys=True), None, time.time(), claim_id)",
            ),
        ),
    ),
    "defect8": Mutant(
        8,
        "a claim retry and the PDF fetch do not check which lane asks",
        (
            Edit(OFFICE + "claims", "_retry", "    if row.lane_id != lane_id:", "    if False:  # mutant"),
            Edit(
                OFFICE + "claims",
                "claimed_pdf_sha",
                "    if row.lane_id != lane_id:",
                "    if False:  # mutant",
            ),
        ),
    ),
    "defect9": Mutant(
        9,
        "an offline report from a lane that does not own the pickup's locker is not refused (it "
        "falls through to the conflict path and freezes the pickup uncertain)",
        (
            Edit(
                OFFICE + "sync",
                "apply_offline_release",
                '    if pickup.kind != "locker" or bank_lane != lane_id:\n'
                "        return _refuse_foreign(conn, pickup, claim_id, lane_id, outcome, now)\n",
                "",
            ),
        ),
    ),
}
