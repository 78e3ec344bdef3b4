"""Proof suite 4, partition: two lanes keep releasing while the office is away, then reconcile.

Two lane Systems (sim lockers, their own journals) reach one office through switchable
in-process links (claims, reports and sync). During the partition the office revokes 10% of the
codes (cancel or reissue) and the lanes release every code offline, some shown twice. After the
link returns: no pickup released twice, no door pulsed twice, every revoked-while-offline release
flagged as a conflict for staff, and a second reconciliation changes nothing.

Nothing here races the wall clock. The sync worker runs only when the test or the lane's monitor
asks (its interval is an hour), and an answer the office computed after the partition began is
lost on the way, as on a real network: a snapshot taken while the office was already revoking
would (rightly) leave the revoked codes out, and the lane would refuse them instead of releasing
them offline. A busy CI machine once made exactly that happen (24 "abandoned" releases).
"""

from __future__ import annotations

import math
import time
from collections import Counter

from sqlalchemy import func, select

from controller.config import parse_config
from controller.kernel.errors import OfficeUnreachable
from controller.lane.link.in_process import InProcessOfficeLink
from controller.office.assemble import build_office
from controller.office.db.tables import audit_log, claims, documents, pickups
from controller.office.sync import OfficeSync
from hardware.locker.sim import SimLockerBank
from tests.rigs.server import wait_for
from web.app import build_system

LANES = ("lane-1", "lane-2")
DOORS = 128  # per simulated bank (the config's limit)
DEDUPE_SECONDS = 0.05


class Link:
    """One switch for the whole office link of one lane."""

    def __init__(self):
        self.down = False

    def check(self):
        if self.down:
            raise OfficeUnreachable("partition (test)")


class SwitchedOffice(InProcessOfficeLink):
    def __init__(self, office, lane_id, link: Link):
        super().__init__(office, lane_id, office_sync=OfficeSync(office))
        self.link = link

    def claim(self, **kw):
        self.link.check()
        return super().claim(**kw)

    def report(self, **kw):
        self.link.check()
        return super().report(**kw)

    def ping(self):
        return not self.link.down

    def fetch_snapshot(self):
        self.link.check()
        snapshot = super().fetch_snapshot()
        self.link.check()  # the partition began while the office answered: the answer is lost
        return snapshot

    def report_offline(self, releases):
        self.link.check()
        return super().report_offline(releases)


def bank_ids(lane_id: str, per_lane: int) -> list[str]:
    return [f"{lane_id}-b{n}" for n in range(1, math.ceil(per_lane / DOORS) + 1)]


def build_lane(tmp_path, office, lane_id: str, per_lane: int):
    banks = bank_ids(lane_id, per_lane)
    config = parse_config(
        {
            "role": "lane",
            "state_dir": str(tmp_path / lane_id),
            "lane": {
                "id": lane_id,
                "office_url": "http://office.invalid",
                "api_key": "amk_unused",
                "printer": {"type": "none"},
                "lockers": [{"type": "sim", "id": b, "doors": DOORS} for b in banks],
                "dedupe_seconds": DEDUPE_SECONDS,
                "result_seconds": 0.05,
                "pulse_ms": 50,
                "door_open_timeout": 1.0,
                "sync_seconds": 3600,  # syncs when asked: at start, by the test, on reconnect
                "heartbeat_seconds": 300,
            },
        }
    )
    lockers = {
        b: SimLockerBank(name=b, doors=DOORS, realtime=False, open_delay=0.0, close_after=None) for b in banks
    }
    link = Link()
    system = build_system(config, office_link=SwitchedOffice(office, lane_id, link), lockers=lockers)
    return system, link


def issue(office, lane_id: str, per_lane: int) -> list[tuple[int, str]]:
    issued = []
    for n in range(per_lane):
        bank = bank_ids(lane_id, per_lane)[n // DOORS]
        doc = office.create_document(
            kind="locker",
            title="KTP-el",
            locker_bank=bank,
            door=n % DOORS + 1,
            actor="test",
            loaded_at=time.time(),
        )
        issued.append((doc["id"], office.mark_ready(doc["id"], "test").code))
    return issued


def done_count(lane) -> int:
    return lane.journal.query("SELECT COUNT(*) FROM releases WHERE stage='done'")[0][0]


def office_state(office) -> tuple:
    with office.engine.connect() as conn:
        return (
            conn.execute(select(pickups).order_by(pickups.c.id)).all(),
            conn.execute(select(documents.c.id, documents.c.state).order_by(documents.c.id)).all(),
            conn.execute(select(claims).order_by(claims.c.claim_id)).all(),
            conn.execute(select(func.count()).select_from(audit_log)).scalar(),
        )


def test_partition_two_lanes_offline_then_reconcile(tmp_path, size, figures):
    total = size(500, 2000)
    revoke = total // 10
    per_lane = total // len(LANES)
    office_config = parse_config({"role": "office", "state_dir": str(tmp_path / "office")})
    office, engine = build_office(office_config)
    for lane_id in LANES:
        office.ensure_lane(lane_id, lane_id)
        for bank in bank_ids(lane_id, per_lane):
            office.ensure_locker_bank(bank, lane_id, DOORS)
    systems, links, issued = {}, {}, {}
    try:
        for lane_id in LANES:
            systems[lane_id], links[lane_id] = build_lane(tmp_path, office, lane_id, per_lane)
            issued[lane_id] = issue(office, lane_id, per_lane)
            systems[lane_id].start()
        for lane_id in LANES:
            lane = systems[lane_id].lane
            assert lane.sync.sync_once()
            assert lane.status()["offline"]["synced_pickups"] == per_lane

        started = time.monotonic()
        for link in links.values():
            link.down = True
        # during the partition the office revokes 10% of the codes: half cancelled, half reissued
        revoked, new_codes = set(), []
        for lane_id in LANES:
            for number, (doc_id, _code) in enumerate(issued[lane_id][: revoke // len(LANES)]):
                if number % 2:
                    office.cancel(doc_id, "staff")
                else:
                    new_codes.append((lane_id, office.reissue(doc_id, "staff").code))
                revoked.add(doc_id)
        repeats = max(1, per_lane // 10)
        for lane_id in LANES:
            lane = systems[lane_id].lane
            for _doc, code in issued[lane_id]:
                lane.on_read(code)
        for lane_id in LANES:
            lane = systems[lane_id].lane
            wait_for(lambda lane=lane: done_count(lane) >= per_lane, timeout=120, what="offline releases")
            # a second showing of the same slips, after the repeat window (a slow machine only
            # makes the pause longer, which cannot change the outcome)
            time.sleep(2 * DEDUPE_SECONDS)
            for _doc, code in issued[lane_id][-repeats:]:
                lane.on_read(code)
        for lane_id in LANES:
            lane = systems[lane_id].lane
            wait_for(lambda lane=lane: done_count(lane) >= per_lane + repeats, timeout=60, what="repeats")
        offline_seconds = time.monotonic() - started
        outcomes = Counter()
        for lane_id in LANES:
            for (outcome,) in systems[lane_id].lane.journal.query("SELECT outcome FROM releases"):
                outcomes[outcome] += 1
        assert outcomes == {"released": total, "refused": repeats * len(LANES)}, outcomes
        assert office.list_documents(state="released") == []  # the office has heard nothing yet

        # reconnect: each lane reconciles (its sync worker, poked when the link returns)
        for link in links.values():
            link.down = False
        for lane_id in LANES:
            lane = systems[lane_id].lane
            wait_for(
                lambda lane=lane: lane.status()["offline"]["unreconciled"] == 0, timeout=60, what="reconciled"
            )
        elapsed = time.monotonic() - started

        verdicts = Counter()
        for lane_id in LANES:
            for key, count in systems[lane_id].lane.sync.reconciler.totals.items():
                verdicts[key] += count
        # 0 duplicates: every door pulsed once, every pickup released under one claim
        pulses = Counter()
        for lane_id in LANES:
            for bank_id, bank in systems[lane_id].lane.lockers.items():
                for door, _ms, _at in bank.pulses:
                    pulses[(bank_id, door)] += 1
        door_duplicates = sum(n - 1 for n in pulses.values() if n > 1)
        with engine.connect() as conn:
            per_pickup = Counter(
                conn.execute(
                    select(claims.c.pickup_id).where(claims.c.outcome.in_(("released", "uncertain")))
                ).scalars()
            )
            conflicts = (
                conn.execute(select(audit_log.c.subject).where(audit_log.c.action == "offline.conflict"))
                .scalars()
                .all()
            )
        pickup_duplicates = sum(n - 1 for n in per_pickup.values() if n > 1)
        assert door_duplicates == 0 and pickup_duplicates == 0
        assert len(pulses) == total
        # every revoked-while-offline release is flagged for staff, and nothing else is
        assert {int(s.split(":")[1]) for s in conflicts} == revoked and len(conflicts) == len(revoked)
        assert verdicts == {"applied": total - len(revoked), "conflict": len(revoked)}, verdicts
        assert {d["id"] for d in office.list_documents(state="uncertain", limit=10**6)} == revoked
        assert len(office.list_documents(state="released", limit=10**6)) == total - len(revoked)

        # a second reconciliation changes nothing
        before = office_state(office)
        for lane_id in LANES:
            lane = systems[lane_id].lane
            sent = [
                {"claim_id": c, "code_hash": h, "outcome": "released", "detail": "again", "released_at": at}
                for c, h, at in lane.journal.query(
                    "SELECT claim_id, code_hash, released_at FROM offline_claims"
                )
            ]
            again = lane.sync.link.report_offline(sent)
            assert {v["result"] for v in again} == {"duplicate"}
        assert office_state(office) == before

        # online again: old slips and the reissued codes open nothing
        pulses_before = sum(pulses.values())
        finished = {lane_id: done_count(systems[lane_id].lane) for lane_id in LANES}
        shown = Counter()
        for lane_id, code in new_codes[:5]:
            shown[lane_id] += 1
            systems[lane_id].lane.on_read(code)
        for lane_id in LANES:
            for _doc, code in issued[lane_id][revoke : revoke + 5]:
                shown[lane_id] += 1
                systems[lane_id].lane.on_read(code)
        for lane_id in LANES:
            lane, expected = systems[lane_id].lane, finished[lane_id] + shown[lane_id]
            wait_for(lambda lane=lane, n=expected: done_count(lane) >= n, timeout=60, what="reads handled")
        after = sum(len(b.pulses) for s in systems.values() for b in s.lane.lockers.values())
        assert after == pulses_before
        assert office.verify_audit().ok
        figures(
            f"{len(LANES)} lanes, {total} offline releases ({repeats * len(LANES)} repeat showings refused), "
            f"{len(revoked)} revoked during the partition -> {verdicts['conflict']} conflicts flagged, "
            f"{door_duplicates} duplicate door pulses, {pickup_duplicates} pickups released twice; "
            f"second reconciliation: 0 changes; offline phase {offline_seconds:.1f} s, total {elapsed:.1f} s"
        )
    finally:
        for system in systems.values():
            if system.started:
                system.stop()
        engine.dispose()
