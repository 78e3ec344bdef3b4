"""The history as a hypothesis state machine: every rule is one step of a person, a device, a
lane or the office, or one fault; hypothesis interleaves them, and shrinks a failing history to
its shortest reproduction (printed as the list of steps).

``History.make_world`` is set by the test (it knows the database backend). ``teardown`` settles
the history (links up, dead lanes restarted, every report and sync through, slow commits landed,
the lease sweep run, uncertain documents resolved by staff who look) and checks the invariants.
"""

from __future__ import annotations

from collections import Counter

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from tests.proof.history import actions, invariants
from tests.proof.history.world import LANE_IDS, World
from tests.rigs.wait import wait_for

lanes = st.sampled_from(LANE_IDS)
picks = st.integers(0, 63)


class History(RuleBasedStateMachine):
    make_world = None  # () -> World, set by the test
    totals: Counter = Counter()  # figures over all histories of a run

    def __init__(self):
        super().__init__()
        self.world: World = type(self).make_world()
        self.last: tuple | None = None  # the last showing, for a repeat

    def _doc(self, pick: int, *, ready: bool = False):
        docs = [d for d in self.world.docs if d.codes] if ready else self.world.docs
        return docs[pick % len(docs)] if docs else None

    def _rig(self, lane_id: str):
        return self.world.lanes[lane_id]

    # -- staff -------------------------------------------------------------------------------
    @rule(
        kind=st.sampled_from(["print", "locker"]),
        pin=st.booleans(),
        pages=st.integers(1, 3),
        door=picks,
        ready=st.sampled_from([False, True, True]),
    )
    def register(self, kind, pin, pages, door, ready):
        """Staff register a document and, mostly, load it (a locker item) and make it ready."""
        world = self.world
        before = len(world.docs)
        actions.register(world, kind, pin and kind == "print", pages)
        if ready and len(world.docs) > before:
            doc = world.docs[-1]
            if doc.kind == "locker":
                actions.load(world, doc, door)
            actions.mark_ready(world, doc)

    @precondition(lambda self: self.world.docs)
    @rule(pick=picks, door=picks)
    def load_door(self, pick, door):
        doc = self._doc(pick)
        if doc.kind == "locker":
            actions.load(self.world, doc, door)

    @precondition(lambda self: self.world.docs)
    @rule(pick=picks, what=st.sampled_from(["ready", "ready", "cancel", "reissue"]))
    def staff_document(self, pick, what):
        doc = self._doc(pick)
        {"ready": actions.mark_ready, "cancel": actions.cancel, "reissue": actions.reissue}[what](
            self.world, doc
        )

    @rule(pick=picks)
    def retrieve(self, pick):
        actions.retrieve(self.world, pick)

    @rule(pick=picks)
    def resolve(self, pick):
        actions.resolve(self.world, pick)

    @rule(lane=lanes)
    def fix_printer(self, lane):
        actions.fix_printer(self.world, self._rig(lane))

    # -- citizens and the attacker -----------------------------------------------------------
    def _show(self, lane, pick, slip, by):
        doc = self._doc(pick, ready=True)
        issued = (
            doc.codes[-1 - slip % len(doc.codes)] if slip % 4 == 0 else doc.codes[-1]
        )  # mostly the live slip
        text = issued.code if by == "qr" else issued.short_code
        actions.show(self.world, self._rig(lane), doc, by, text, pin=issued.pin)
        self.last = (lane, doc, by, text, issued.pin)

    # citizens come more often than any other step: two rules
    @precondition(lambda self: any(d.codes for d in self.world.docs))
    @rule(lane=lanes, pick=picks, slip=picks, by=st.sampled_from(["qr", "qr", "short"]))
    def show_code(self, lane, pick, slip, by):
        self._show(lane, pick, slip, by)

    @precondition(lambda self: any(d.codes for d in self.world.docs))
    @rule(lane=lanes, pick=picks, slip=picks, by=st.sampled_from(["qr", "short"]))
    def show_code_again_later(self, lane, pick, slip, by):
        self._show(lane, pick, slip, by)

    @precondition(lambda self: self.last is not None)
    @rule(other_lane=st.booleans())
    def show_again(self, other_lane):
        lane, doc, by, text, pin = self.last
        if other_lane:
            lane = next(x for x in LANE_IDS if x != lane)
        actions.show(self.world, self._rig(lane), doc, by, text, pin=pin, repeat=not other_lane)

    @rule(lane=lanes, guesses=st.lists(st.integers(0, 10**10 - 1), min_size=1, max_size=5))
    def guess_short_codes(self, lane, guesses):
        issued = {c.short_code for d in self.world.docs for c in d.codes}
        for number in guesses:
            digits = f"{number:010d}"
            if digits not in issued:
                actions.show(self.world, self._rig(lane), None, "short", digits, label="guess_short")

    @precondition(lambda self: any(d.pin and d.codes for d in self.world.docs))
    @rule(lane=lanes, pick=picks, guess=st.integers(0, 999_999))
    def guess_pin(self, lane, pick, guess):
        docs = [d for d in self.world.docs if d.pin and d.codes]
        doc = docs[pick % len(docs)]
        issued = doc.codes[-1]
        pin = f"{guess:06d}"
        if pin != issued.pin:
            actions.show(self.world, self._rig(lane), doc, "qr", issued.code, pin=pin, label="guess_pin")

    # -- faults ------------------------------------------------------------------------------
    @rule(lane=lanes, fault=st.sampled_from(["lose_answer", "slow_commit"]))
    def office_fault(self, lane, fault):
        self._rig(lane).shots.arm(fault)

    @rule(lane=lanes, writes=st.integers(1, 6))
    def arm_kill(self, lane, writes):
        self._rig(lane).killer.arm(writes)

    @precondition(lambda self: any(not r.alive for r in self.world.lanes.values()))
    @rule()
    def restart_lanes(self):
        for rig in self.world.lanes.values():
            if not rig.alive:
                rig.restart()

    @rule(lane=lanes)
    def partition(self, lane):
        rig = self._rig(lane)
        rig.link.down = not rig.link.down
        self.world.struck["partition" if rig.link.down else "partition_end"] += 1

    @rule(lane=lanes, fault=st.sampled_from(["paper", "jam", "slow"]), sheets=st.integers(0, 4))
    def printer_fault(self, lane, fault, sheets):
        actions.arm_printer(self._rig(lane), fault, sheets)

    @rule(lane=lanes, late=st.booleans())
    def door_fault(self, lane, late):
        self._rig(lane).faults["late" if late else "stuck"] = True
        self.world.struck["door_late" if late else "door_stuck"] += 1

    @rule(seconds=st.sampled_from([20, 200, 400, 1000, 2400, 90_000]))
    def clock_jump(self, seconds):
        self.world.clock.advance(seconds)
        self.world.struck["clock_jump"] += 1

    # -- the lanes' and the office's periodic work -------------------------------------------
    @rule(lane=lanes, what=st.sampled_from(["report", "sync"]))
    def lane_work(self, lane, what):
        getattr(actions, what)(self._rig(lane))

    @rule(pick=picks)
    def slow_commit_lands(self, pick):
        actions.land_slow_commit(self.world, pick)

    @rule()
    def office_sweeps(self):
        actions.office_sweeps(self.world)

    @invariant()
    def handed_out_at_most_once(self):
        self.world.steps += 1
        problems = invariants.handed_out(self.world)
        assert not problems, "\n".join(problems)

    # -- the end of a history ----------------------------------------------------------------
    def teardown(self):
        world = self.world
        try:
            settle(world)
            problems = (
                invariants.handed_out(world)
                + invariants.nothing_lost(world)
                + invariants.guessing_bounded(world)
            )
            assert not problems, "\n".join(problems)
        finally:
            totals = type(self).totals
            totals["histories"] += 1
            totals["steps"] += world.steps
            totals["showings"] += len(world.answers)
            totals["released"] += sum(1 for answer in world.answers if answer[3] == "")
            totals["kills"] += sum(r.killer.kills for r in world.lanes.values())
            totals["restarts"] += sum(r.restarts for r in world.lanes.values())
            totals.update({f"fault:{k}": v for k, v in world.struck.items()})
            world.close()


def settle(world: World) -> None:
    """Bring the history to rest: what a working office and lanes do once the faults stop."""
    for rig in world.lanes.values():
        rig.killer.disarm()
        rig.shots.armed.clear()
        rig.faults.clear()
        rig.link.down = False
        if not rig.alive:
            rig.restart()
    for rig in world.lanes.values():  # a job a killed lane left printing goes on to its end
        wait_for(
            lambda rig=rig: all(j.state.final or j.state.name == "STOPPED" for j in rig.printer.jobs),
            timeout=30,
            what="jobs",
        )
    for rig in world.lanes.values():
        actions.report(rig)
    while world.pending:  # slow commits land after the lanes' reports (defect 1's order)
        actions.land_slow_commit(world, 0)
    for rig in world.lanes.values():
        actions.sync(rig)
        actions.report(rig)
    world.clock.advance(31 * 60)  # past every claim lease
    actions.office_sweeps(world)
    for _ in range(len(world.docs)):
        actions.resolve(world, 0)
