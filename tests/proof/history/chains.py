"""Rules for the longer chains a history needs to reach the defects that hide behind them.

The plain rules of ``machine.py`` make each step equally likely, so a chain of four or five
particular steps (a sync, then a partition, then a staff change at the office, then an old code
at the offline lane) almost never happens in CI-size histories. Each rule here is still one
ordinary thing that happens, with random (drawn, shrinkable) targets; it only makes the common
orders common:

- ``link_flaps``: a lane's link goes down right after a sync (the snapshot got through, the next
  request does not), so an offline lane holds a fresh snapshot; or, when it is down, it comes
  back and the lane syncs at once (what its sync worker's poke does);
- ``staff_reuse_door``: staff cancel a loaded ready item, mostly one behind a lane the office
  cannot reach, take it out when the office lists it, and register and load a new item into the
  very same door (the office may refuse that door);
- ``stale_slip``: a citizen who was not told that their document was cancelled, expired or
  reissued comes with the slip they hold;
- ``citizen_at_offline_lane``: a citizen with a locker slip (live or not) comes to its lane while
  the office cannot reach that lane (what the offline snapshot is for);
- ``power_cut_release``: the lane dies right after the next door pulse or print submit, and a
  citizen shows a code there (a power cut between INTENT and DONE); the lane's sync worker may
  just have run, and the cut may take the lane's network switch too, so the lane boots into a
  partition;
- ``citizen_returns``: a citizen whose showing got no answer (the lane died, or the office was
  unreachable) comes back to the same lane, once it runs again, mostly the latest of them and
  mostly with the other form of the same slip (the QR instead of the short code, or the other
  way round).

Weights: the offline orders need several of these in a row while one partition lasts, and with
each rule drawn as often as any other only about one history in eight granted anything offline
(20 offline grants in 151 histories). So the rules of an offline episode are drawn more often
(each has a second rule name, which is how hypothesis weights rules), ``link_drops`` only ever
starts a partition (so one lasts several steps), the link drop and the power cut mostly strike
the lane of a ready locker item, and citizens at an offline lane mostly hold a code its last
snapshot holds (a ready pickup of its banks when it synced).
"""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule

from tests.proof.history import actions
from tests.proof.history.world import LANE_IDS, World

lanes = st.sampled_from(LANE_IDS)
picks = st.integers(0, 63)
forms = st.sampled_from(["qr", "short"])
mostly = st.sampled_from([True, True, False])
outages = st.integers(2, 12)  # steps an outage of ``link_drops`` lasts


def _lane_of(world: World, doc) -> str | None:
    return next((r.lane_id for r in world.lanes.values() if r.bank_id == doc.bank), None)


def _snapshot_docs(world: World, lane: str) -> set[int]:
    """The documents whose pickups the last snapshot of ``lane`` holds (what it may release
    offline); empty while that lane process is dead."""
    rig = world.lanes[lane]
    if not rig.alive:
        return set()
    return {row[0] for row in rig.lane.journal.query("SELECT document_id FROM offline_pickups")}


def _loaded_ready(world: World) -> list:
    """The locker items staff loaded whose documents the office shows ready, with no claim
    under way (staff cannot cancel one being released)."""
    lockers = [d for d in world.docs if d.kind == "locker" and d.loaded]
    described = [(d, world.office.get_document(d.id)) for d in lockers]
    return [
        d
        for d, got in described
        if got["state"] == "ready" and (got.get("pickup") or {}).get("state") == "ready"
    ]


class Chains(RuleBasedStateMachine):
    """The chain rules; ``History`` (``machine.py``) inherits them."""

    world: World

    def _cut_lane(self, lane: str, pick: int) -> str:
        """Mostly the lane of a loaded, ready locker item whose citizen has not come yet (``lane``
        otherwise, or when there is none)."""
        world = self.world
        ready = [d for d in _loaded_ready(world) if not d.told_released]
        return _lane_of(world, ready[pick % len(ready)]) if ready and pick % 4 else lane

    @rule(lane=lanes, pick=picks, lasts=outages)
    def link_drops(self, lane, pick, lasts):
        """The lane's sync worker runs and its link drops right after, for ``lasts`` steps (a lane
        already cut off stays so: its sync fails)."""
        rig = self.world.lanes[self._cut_lane(lane, pick)]
        actions.sync(rig)
        if not rig.link.down:
            rig.link.cut(self.world.steps + lasts)
            self.world.struck["partition"] += 1

    @rule(lane=lanes, pick=picks, lasts=outages)
    def link_drops_again(self, lane, pick, lasts):
        self.link_drops(lane, pick, lasts)

    def outages_end(self) -> None:
        """After each step: an outage of drawn length ends, and the lane syncs at once (its sync
        worker's poke)."""
        for rig in self.world.lanes.values():
            if rig.link.down and rig.link.back_at is not None and self.world.steps >= rig.link.back_at:
                rig.link.down, rig.link.back_at = False, None
                self.world.struck["partition_end"] += 1
                actions.sync(rig)

    @rule(lane=lanes)
    def link_flaps(self, lane):
        rig = self.world.lanes[lane]
        if rig.link.down:
            rig.link.down, rig.link.back_at = False, None
            self.world.struck["partition_end"] += 1
            actions.sync(rig)
        else:
            actions.sync(rig)
            rig.link.cut()
            self.world.struck["partition"] += 1

    @rule(pick=picks, ready=st.booleans(), comes=mostly, by=forms)
    def staff_reuse_door_again(self, pick, ready, comes, by):
        self.staff_reuse_door(pick, ready, comes, by)

    @rule(pick=picks, ready=st.booleans(), comes=mostly, by=forms)
    def staff_reuse_door(self, pick, ready, comes, by):
        """``comes``: the cancelled item's citizen, not told, comes with their slip to its lane
        (defect 5's order: a stale snapshot must not open the door that now holds ``new``)."""
        world = self.world
        loaded = _loaded_ready(world)
        snapshots = {lane: _snapshot_docs(world, lane) for lane in LANE_IDS}
        cut = [  # mostly an item an offline lane's snapshot holds, whose citizen has not come yet
            d
            for d in loaded
            if world.lanes[_lane_of(world, d)].link.down
            and d.id in snapshots[_lane_of(world, d)]
            and not d.told_released
        ] or [d for d in loaded if world.lanes[_lane_of(world, d)].link.down]
        pool = cut if cut and pick % 4 else loaded
        if not pool:
            return
        doc = pool[pick % len(pool)]
        actions.cancel(world, doc)
        actions.retrieve(world, 0, doc)
        new = actions.register_at(world, doc.bank, doc.door)
        if new is not None:
            actions.load(world, new)
            if ready:
                actions.mark_ready(world, new)
        if comes and doc.codes:
            issued = doc.codes[-1]
            text = issued.code if by == "qr" else issued.short_code
            actions.show(world, world.lanes[_lane_of(world, doc)], doc, by, text, pin=issued.pin)

    @rule(pick=picks, lane=lanes, by=forms)
    def stale_slip(self, pick, lane, by):
        world = self.world
        stale = []
        for doc in world.docs:
            if not doc.codes or doc.told_released:
                continue
            state = world.office.get_document(doc.id)["state"]
            if state in ("cancelled", "expired"):
                stale.append((doc, doc.codes[-1]))
            stale.extend((doc, issued) for issued in doc.codes[:-1])  # an old slip of a reissue
        if not stale:
            return
        doc, issued = stale[pick % len(stale)]
        if doc.bank is not None and pick % 5 != 1:  # mostly at the lane with the item's locker
            lane = _lane_of(world, doc)
        text = issued.code if by == "qr" else issued.short_code
        actions.show(world, world.lanes[lane], doc, by, text, pin=issued.pin)

    @rule(pick=picks, by=st.sampled_from(["qr", "qr", "short"]))
    def citizen_at_offline_lane(self, pick, by):
        world = self.world
        slips = [
            (doc, issued)
            for doc in world.docs
            if doc.bank is not None and not doc.told_released and world.lanes[_lane_of(world, doc)].link.down
            for issued in doc.codes
        ]
        snapshots = {lane: _snapshot_docs(world, lane) for lane in LANE_IDS}
        held = [(doc, issued) for doc, issued in slips if doc.id in snapshots[_lane_of(world, doc)]]
        if held and pick % 4:  # mostly a pickup that was ready when the lane last synced
            slips = held
        if not slips:
            return
        doc, issued = slips[pick % len(slips)]
        text = issued.code if by == "qr" else issued.short_code
        actions.show(world, world.lanes[_lane_of(world, doc)], doc, by, text, pin=issued.pin)

    @rule(who=st.lists(st.tuples(picks, st.sampled_from(["qr", "qr", "short"])), min_size=1, max_size=3))
    def citizens_at_offline_lane(self, who):
        for pick, by in who:
            self.citizen_at_offline_lane(pick, by)

    # the sync worker runs every few seconds, and the lane's switch mostly shares its power
    @rule(pick=picks, by=forms, network_too=mostly, synced=mostly, lasts=outages, again=mostly)
    def power_cut_release(self, pick, by, network_too, synced, lasts, again):
        """``again``: the driver whose door did not answer tries again as soon as the lane is
        back, mostly with the other form of the slip (defect 7's order: a short code cut by the
        power cut, then the QR at the lane that booted offline)."""
        world = self.world
        docs = [  # a release under way: a code the office would grant
            d
            for d in world.docs
            if d.codes and not d.told_released and world.office.get_document(d.id)["state"] == "ready"
        ]
        lockers = [d for d in docs if d.bank is not None]
        if lockers and pick % 4:  # mostly a locker item: its lane may then release it offline
            docs = lockers
        if not docs:
            return
        doc = docs[pick % len(docs)]
        lane = _lane_of(world, doc) or LANE_IDS[pick % len(LANE_IDS)]
        rig = world.lanes[lane]
        if synced:
            actions.sync(rig)  # its sync worker runs every few seconds: it may just have run
        if rig.alive:
            rig.killer.arm(0)  # counted as a kill when it strikes
        issued = doc.codes[-1]
        actions.show(world, rig, doc, by, issued.code if by == "qr" else issued.short_code, pin=issued.pin)
        if network_too and not rig.alive and not rig.link.down:
            rig.link.cut(world.steps + lasts)  # the switch boots slower than the lane
            world.struck["partition"] += 1
        if again and not rig.alive:
            self.citizen_returns(1, other_form=pick % 4 != 0)  # the latest: this driver

    @rule(pick=picks, other_form=st.sampled_from([True, True, True, False]))
    def citizen_returns_again(self, pick, other_form):
        self.citizen_returns(pick, other_form)

    @rule(pick=picks, other_form=st.sampled_from([True, True, True, False]))
    def citizen_returns(self, pick, other_form):
        world = self.world
        if not world.interrupted:
            return
        at = -1 if pick % 3 else pick % len(world.interrupted)
        lane, doc, text = world.interrupted.pop(at)
        issued = next((c for c in doc.codes if text in (c.code, c.short_code)), None)
        if issued is None:
            return
        was_qr = text == issued.code
        qr = was_qr != other_form
        rig = world.lanes[lane]
        if not rig.alive:
            rig.restart()  # by the time they come back, the lane runs again
        kind, text = ("qr", issued.code) if qr else ("short", issued.short_code)
        actions.show(world, rig, doc, kind, text, pin=issued.pin)
