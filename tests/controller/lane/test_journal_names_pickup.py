"""The journal names the pickup (DESIGN 5): a release by short code journals the pickup's code
hash from the grant, so that after a crash recovery and the offline store know it was consumed."""

from __future__ import annotations

import time

from controller.kernel.codes import code_hash
from controller.lane.offline import Refusal
from tests.controller.lane.conftest import FlakyOffice, wait_done


class Killed(BaseException):
    """kill -9 at the door pulse: nothing after it runs (no DONE, no report)."""


def _lane_on(make_system, state_dir, office):
    """A lane on ``state_dir`` whose office (claims, reports and sync) can be switched off."""
    flaky = FlakyOffice(office, "lane-1")
    system = make_system(start=False, state_dir=state_dir, drivers={"office_link": flaky}, dedupe_seconds=0.1)
    return system, flaky


def test_a_short_code_release_cut_between_intent_and_done_is_never_released_again_offline(make_system):
    probe = make_system(start=False)
    office, state_dir = probe.office, probe.config.state_dir
    doc = office.create_document(
        kind="locker", title="KTP-el", locker_bank="A", door=1, actor="test", loaded_at=time.time()
    )
    issued = office.mark_ready(doc["id"], "test")

    first, _ = _lane_on(make_system, state_dir, office)
    lane = first.lane
    assert lane.sync.sync_once()  # the offline store lists the pickup

    def kill(*_args, **_kw):
        raise Killed

    lane.lockers["A"].pulse = kill
    try:
        lane.releaser.release(short_code=issued.short_code)
    except Killed:
        pass
    (cut,) = lane.journal.unfinished()
    assert cut.stage == "intent"
    lane.journal.close()

    # restart on the same state dir, with the office away: recovery settles the cut release
    second, flaky = _lane_on(make_system, state_dir, office)
    flaky.down = True
    second.start()
    lane = second.lane
    (settled,) = [r for r in lane.journal.recent(10) if r.claim_id == cut.claim_id]
    assert settled.stage == "done" and settled.outcome in ("released", "uncertain")

    # the same pickup's QR while the office is away: refused, the door stays shut
    lane.simulate_scan(text=issued.code)
    (again,) = [r for r in wait_done(lane, 2) if r.claim_id != cut.claim_id]
    assert again.outcome != "released"
    assert lane.lockers["A"].pulses == []
    lane.journal.claiming("probe-claim", code_hash(issued.code))
    assert lane.releaser.offline.grant(claim_id="probe-claim", code_hash=code_hash(issued.code)) == Refusal(
        "already_released"
    )
    assert settled.code_hash == code_hash(issued.code)  # the grant's hash, not a placeholder
