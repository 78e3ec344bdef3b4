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
from hypothesis.stateful import invariant, rule

from tests.proof.history import actions, invariants
from tests.proof.history.aimed import AimedFaults
from tests.proof.history.chains import Chains
from tests.proof.history.world import LANE_IDS, World
from tests.rigs.wait import wait_for

lanes = st.sampled_from(LANE_IDS)
picks = st.integers(0, 63)
mostly_lockers = st.sampled_from(["print", "locker", "locker"])
faults = ["lose_answer", "slow_commit", "kill", "partition", "paper", "jam", "slow", "stuck", "late", "clock"]
jumps = [20, 200, 400, 1000, 2400, 90_000]
fault_args = dict(lane=lanes, fault=st.sampled_from(faults), n=st.integers(0, 5), jump=st.sampled_from(jumps))


class History(Chains, AimedFaults):
    make_world = None  # () -> World, set by the test
    totals: Counter = Counter()  # figures over all histories of a run
    first_failure: int | None = None  # the number of the first history that failed (1-based)

    def __init__(self):
        super().__init__()
        self.world: World = type(self).make_world()
        self.last: tuple | None = None  # the last showing, for a repeat

    def _doc(self, pick: int, *, ready: bool = False):
        """A document by a drawn number (None when there is none): rules never depend on
        preconditions, so hypothesis draws the same data whatever the lanes' timing did.
        ``ready``: one with a code, mostly one whose citizen the lanes have not yet told "take it"."""
        docs = [d for d in self.world.docs if d.codes] if ready else self.world.docs
        waiting = [d for d in docs if not d.told_released]
        if ready and waiting and pick % 4:
            docs = waiting
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
        actions.register(world, kind, pin and kind == "print", pages, door)
        if ready and len(world.docs) > before:
            doc = world.docs[-1]
            actions.load(world, doc)
            actions.mark_ready(world, doc)

    @rule(kind=mostly_lockers, pin=st.booleans(), pages=st.integers(1, 3), door=picks)
    def register_ready(self, kind, pin, pages, door):
        """Registering and making ready is staff's most common step: a second rule for it, mostly
        a locker item (what a lane may release offline)."""
        self.register(kind, pin, pages, door, True)

    @rule(pick=picks, what=st.sampled_from(["load", "ready", "cancel", "reissue"]))
    def staff_document(self, pick, what):
        doc = self._doc(pick)
        if doc is None:
            return
        step = {"load": actions.load, "ready": actions.mark_ready, "cancel": actions.cancel}
        step.get(what, actions.reissue)(self.world, doc)

    @rule(pick=picks, what=st.sampled_from(["retrieve", "resolve", "fix_printer"]), lane=lanes)
    def staff_care(self, pick, what, lane):
        """Staff empty a door listed for retrieval, settle an uncertain release, or fix a printer."""
        if what == "fix_printer":
            actions.fix_printer(self.world, self._rig(lane))
        else:
            getattr(actions, what)(self.world, pick)

    # -- citizens and the attacker -----------------------------------------------------------
    def _show(self, lane, pick, slip, by):
        doc = self._doc(pick, ready=True)
        if doc is None:
            return
        issued = (
            doc.codes[-1 - slip % len(doc.codes)] if slip % 4 == 0 else doc.codes[-1]
        )  # mostly the live slip
        text = issued.code if by == "qr" else issued.short_code
        if doc.bank is not None and slip % 5 != 1:  # mostly at the lane with the item's locker
            lane = next(r.lane_id for r in self.world.lanes.values() if r.bank_id == doc.bank)
        actions.show(self.world, self._rig(lane), doc, by, text, pin=issued.pin)
        self.last = (lane, doc, by, text, issued.pin)

    showings = st.lists(
        st.tuples(lanes, picks, picks, st.sampled_from(["qr", "qr", "short"])), min_size=1, max_size=3
    )

    # citizens come more often than anything else: two rules, each one to three of them
    @rule(who=showings)
    def citizens(self, who):
        for args in who:
            self._show(*args)

    @rule(who=showings)
    def more_citizens(self, who):
        for args in who:
            self._show(*args)

    @rule(other_lane=st.booleans())
    def show_again(self, other_lane):
        """The same code again at once (a repeat read), or at the other lane."""
        if self.last is None:
            return
        lane, doc, by, text, pin = self.last
        if other_lane:
            lane = next(x for x in LANE_IDS if x != lane)
        actions.show(self.world, self._rig(lane), doc, by, text, pin=pin, repeat=not other_lane)

    @rule(lane=lanes, guesses=st.lists(st.integers(0, 10**10 - 1), min_size=1, max_size=3), pin=st.booleans())
    def attacker(self, lane, guesses, pin):
        """Wrong short codes, or a stolen QR with wrong PINs."""
        world = self.world
        targets = [d for d in world.docs if d.pin and d.codes]
        if pin and targets:
            doc = targets[guesses[0] % len(targets)]
            for number in guesses:
                guess = f"{number % 10**6:06d}"
                if guess != doc.codes[-1].pin:
                    actions.show(
                        world, self._rig(lane), doc, "qr", doc.codes[-1].code, pin=guess, label="guess_pin"
                    )
            return
        issued = {c.short_code for d in world.docs for c in d.codes}
        for number in guesses:
            digits = f"{number:010d}"
            if digits not in issued:
                actions.show(world, self._rig(lane), None, "short", digits, label="guess_short")

    # -- faults ------------------------------------------------------------------------------
    @rule(**fault_args)
    def more_faults(self, lane, fault, n, jump):
        self.fault(lane, fault, n, jump)

    @rule(**fault_args)
    def fault(self, lane, fault, n, jump):
        """One fault; drawn under two rule names (``more_faults``) so the chain rules do not
        crowd the faults out."""
        rig, world = self._rig(lane), self.world
        if fault in ("lose_answer", "slow_commit"):
            # counted when it strikes; mostly aimed at the lane's next claim (defect 1's order)
            rig.shots.arm(fault, on="claim" if n < 4 else None)
        elif fault == "kill":
            # counted when it strikes; half of them right after the next pulse or print submit
            rig.killer.arm(0 if n % 2 else n // 2 + 1)
        elif fault == "partition":
            rig.link.down, rig.link.back_at = not rig.link.down, None
            world.struck["partition" if rig.link.down else "partition_end"] += 1
        elif fault in ("paper", "jam", "slow"):
            actions.arm_printer(rig, fault, n)
        elif fault in ("stuck", "late"):
            rig.faults[fault] = True
            world.struck[f"door_{fault}"] += 1
        else:
            world.clock.advance(jump)
            world.struck["clock_jump"] += 1

    @rule(what=st.sampled_from(["sniff", "sniff", "replay", "offline"]), pick=picks)
    def rogue(self, what, pick):
        """The rogue lane key (rogue.py): listens for the next grant, replays a live claim, or
        reports a bogus offline release."""
        rogue = self.world.rogue
        if what == "sniff":
            rogue.armed = True  # counted (rogue_retry) when it strikes
        elif what == "replay":
            rogue.replay(pick)
        else:
            rogue.report_offline(pick)

    # -- the lanes' and the office's periodic work -------------------------------------------
    @rule(
        lane=lanes, what=st.sampled_from(["report", "sync", "restart", "slow_commit_lands", "office_sweeps"])
    )
    def background(self, lane, what):
        """What runs by itself: a lane's reporter or sync, a restart, a slow commit, the sweeps."""
        world, rig = self.world, self._rig(lane)
        if what in ("report", "sync"):
            getattr(actions, what)(rig)
        elif what == "restart":
            if not rig.alive:
                rig.restart()
        elif what == "slow_commit_lands":
            actions.land_slow_commit(world, 0)
        else:
            actions.office_sweeps(world)

    @invariant()
    def handed_out_at_most_once(self):
        """Checked after every step (the end of the history checks it again). An outage of
        drawn length ends here too (``Chains.outages_end``): the step clock lives here."""
        self.world.steps += 1
        self.outages_end()
        problems = invariants.handed_out(self.world) + self.world.rogue.problems
        if problems:
            self._failed(problems)
        assert not problems, "\n".join(problems)

    def _failed(self, problems: list[str]):
        cls = type(self)
        if cls.first_failure is None:
            cls.first_failure = cls.totals["histories"] + 1
            print(f"history {cls.first_failure} failed (before shrinking):", *problems, sep="\n  ")

    # -- the end of a history ----------------------------------------------------------------
    def teardown(self):
        world = self.world
        try:
            settle(world)
            problems = (
                invariants.handed_out(world)
                + world.rogue.problems
                + invariants.nothing_lost(world)
                + invariants.guessing_bounded(world)
            )
            assert not problems, "\n".join(problems)
        except BaseException as exc:
            self._failed([repr(exc)])
            raise
        finally:
            totals = type(self).totals
            totals["histories"] += 1
            totals["steps"] += world.steps
            totals["showings"] += len(world.answers)
            totals["released"] += sum(1 for answer in world.answers if answer[3] == "")
            for answer in world.answers:
                totals[f"answer:{answer[2]}:{answer[3]}"] += 1
            totals["kills"] += sum(r.killer.kills for r in world.lanes.values())
            totals["restarts"] += sum(r.restarts for r in world.lanes.values())
            totals["offline_grants"] += sum(
                r.lane.journal.query("SELECT COUNT(*) FROM offline_claims")[0][0]
                for r in world.lanes.values()
                if r.alive
            )
            totals.update({f"fault:{k}": v for k, v in world.struck.items()})
            world.close()


def _printer_at_rest(printer) -> bool:
    """No job prints any more: each ended or stopped, or waits behind a printer fault."""
    jobs = [j.state for j in printer.jobs]
    if all(state.final or state.name == "STOPPED" for state in jobs):
        return True
    return "PROCESSING" not in {state.name for state in jobs} and bool(printer.status().reasons)


def settle(world: World) -> None:
    """Bring the history to rest: what a working office and lanes do once the faults stop."""
    world.rogue.armed = False
    for rig in world.lanes.values():
        rig.killer.disarm()
        rig.shots.armed.clear()
        rig.faults.clear()
        rig.link.down = False
        if not rig.alive:
            rig.restart()
    for rig in world.lanes.values():  # a job a killed lane left printing goes on to its end
        wait_for(lambda rig=rig: _printer_at_rest(rig.printer), timeout=30, what="jobs")
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
