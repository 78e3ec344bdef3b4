"""Faults aimed at the moment a defect needs them, each still one ordinary thing that happens.

A fault drawn by ``History.fault`` strikes whatever the lane does next, and most of what a lane
does next is refused anyway (a stale slip, a repeat, a wrong lane), so the orders below stayed
rare: the mutants of defects 1, 2 and 4 (``mutants/``) were found in none of 151 histories.
Each rule here aims its fault at a release that would otherwise succeed:

- ``slow_claim``: a citizen's claim of a live code times out at the lane while the office is
  slow to commit it (another write holds the audit head); the lane walks away and reports
  ``abandoned``, and the commit lands after that report (mostly at once; else at a later step
  or at the end of the history): the
  office must never leave that pickup claimed (defect 1);
- ``print_ends_badly``: the next print job of a live print code ends badly at the very end: the
  tray reads empty as the last sheet leaves it, or the printer slows so the job runs past the
  lane's timeout with sheets out; mostly staff refill and fix the printer at the alert. Neither
  is ``failed`` (defect 4): the citizen, told to try again, comes back (``citizen_returns``);
- ``reuse_door_of_offline_lane``: a loaded, ready locker item (staff load one first when there
  is none); its lane syncs and its link drops; staff cancel the item, take it out with the master
  key and load another into the same door; the first citizen, not told, comes to that lane with
  the old slip (defect 5: the old snapshot must not open the door that now holds the new item).
  The plain rules reached this order in about one history in a hundred: loaded ready items were
  rarely behind a lane just cut off;
- ``persistent_attacker``: an attacker keeps to one stolen QR and its PIN, or to short codes,
  switching lanes, resetting the lane's run with a collected short code of their own, and
  waiting out lockouts (a clock jump): the bounds hold per pickup and per site (defect 2).
"""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule

from tests.proof.history import actions
from tests.proof.history.chains import _lane_of, _loaded_ready
from tests.proof.history.world import LANE_IDS, World

lanes = st.sampled_from(LANE_IDS)
picks = st.integers(0, 63)
forms = st.sampled_from(["qr", "short"])
mostly = st.sampled_from([True, True, False])
guesses = st.lists(st.integers(0, 10**10 - 1), min_size=2, max_size=6)


def _live(world: World, kind: str | None = None) -> list:
    """Documents the office shows ready whose citizens have not been told to take them."""
    return [
        d
        for d in world.docs
        if d.codes
        and not d.told_released
        and (kind is None or d.kind == kind)
        and world.office.get_document(d.id)["state"] == "ready"
    ]


def _live_or_new(world: World, kind: str | None, pages: int) -> list:
    """``_live``, or when there is none, a print staff just made ready (its citizen comes at once)."""
    docs = _live(world, kind)
    if not docs:
        before = len(world.docs)
        actions.register(world, "print", False, pages)
        if len(world.docs) > before:
            actions.mark_ready(world, world.docs[-1])
        docs = _live(world, kind)
    return docs


def _lane_for(world: World, doc, lane: str):
    """The rig where ``doc`` is claimed: a locker item's own lane, a print's drawn lane or else
    the other (the driver takes the lane that runs); None when that lane is dead or cut off."""
    own = [r for r in world.lanes.values() if r.bank_id == doc.bank]
    order = own or [world.lanes[lane]] + [r for r in world.lanes.values() if r.lane_id != lane]
    return next((r for r in order if r.alive and not r.link.down), None)


def _pick(world: World, docs: list, pick: int, lane: str):
    """(document, rig) by a drawn number, or None when there is no document or its lane is down."""
    if not docs:
        return None
    doc = docs[pick % len(docs)]
    rig = _lane_for(world, doc, lane)
    return None if rig is None else (doc, rig)


class AimedFaults(RuleBasedStateMachine):
    """The aimed rules; ``History`` (``machine.py``) inherits them."""

    world: World

    @rule(pick=picks, lane=lanes, by=forms, prints=mostly, lands_now=mostly)
    def slow_claim(self, pick, lane, by, prints, lands_now):
        """Mostly a print or a short code: what the lane cannot grant offline by itself; the
        commit mostly lands right after the lane's report (the audit head is free again)."""
        world = self.world
        docs = _live_or_new(world, None, 1 + pick % 3)
        if prints and (only := [d for d in docs if d.kind == "print"]):
            docs = only
        if not (chosen := _pick(world, docs, pick, lane)):
            return
        doc, rig = chosen
        rig.shots.arm("slow_commit", on="claim")  # counted when it strikes
        issued = doc.codes[-1]
        actions.show(world, rig, doc, by, issued.code if by == "qr" else issued.short_code, pin=issued.pin)
        if lands_now and world.pending:
            actions.land_slow_commit(world, -1)

    @rule(pick=picks, lane=lanes, slow=st.booleans(), fixed=mostly)
    def print_ends_badly(self, pick, lane, slow, fixed):
        world = self.world
        docs = _live_or_new(world, "print", 2 + pick % 2)
        if slow and (long := [d for d in docs if d.pages >= 2]):
            docs = long
        if not (chosen := _pick(world, docs, pick, lane)):
            return
        doc, rig = chosen
        if slow:
            actions.arm_printer(rig, "slow", 0)  # a 2-page job runs past the timeout
        else:
            actions.arm_printer(rig, "paper", doc.pages)  # empty as the last sheet leaves the tray
        issued = doc.codes[-1]
        actions.show(world, rig, doc, "qr", issued.code, pin=issued.pin)
        if fixed:
            actions.fix_printer(world, rig)

    @rule(pick=picks, lasts=st.integers(2, 12), by=forms, ready=st.booleans())
    def reuse_door_of_offline_lane(self, pick, lasts, by, ready):
        world = self.world
        if not _loaded_ready(world):
            before = len(world.docs)
            actions.register(world, "locker", False, 1, pick)
            if len(world.docs) > before:
                actions.load(world, world.docs[-1])
                actions.mark_ready(world, world.docs[-1])
        loaded = _loaded_ready(world)
        if not loaded:
            return
        rig = world.lanes[_lane_of(world, loaded[pick % len(loaded)])]
        if not rig.alive:
            return
        actions.sync(rig)
        if not rig.link.down:
            rig.link.cut(world.steps + lasts)
            world.struck["partition"] += 1
        self.staff_reuse_door(pick | 1, ready, True, by)  # an odd pick: the cut lane's item

    @rule(lane=lanes, numbers=guesses, pin=st.booleans(), wait=st.sampled_from([0, 0, 400, 1000]))
    def persistent_attacker(self, lane, numbers, pin, wait):
        world = self.world
        targets = [d for d in world.docs if d.pin and d.codes]
        collected = [c.short_code for d in world.docs if d.told_released for c in d.codes]
        for i, number in enumerate(numbers):
            at = world.lanes[LANE_IDS[(LANE_IDS.index(lane) + i) % len(LANE_IDS)]]  # switching lanes
            if pin and targets:
                doc = targets[0]  # the first PIN document's stolen QR, every time
                guess = f"{number % 10**6:06d}"
                if guess != doc.codes[-1].pin:
                    actions.show(world, at, doc, "qr", doc.codes[-1].code, pin=guess, label="guess_pin")
                continue
            if collected and number % 3 == 0:  # their own collected code: resets nothing
                actions.show(world, at, None, "short", collected[number % len(collected)], label="own_short")
                continue
            digits = f"{number:010d}"
            if all(digits != c.short_code for d in world.docs for c in d.codes):
                actions.show(world, at, None, "short", digits, label="guess_short")
        if wait:
            world.clock.advance(wait)  # the attacker waits out a lockout
            world.struck["clock_jump"] += 1
