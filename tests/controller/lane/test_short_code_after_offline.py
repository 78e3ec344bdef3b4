"""A lane that released a document offline (reconciliation still pending) must not open its door
again for an online grant of it: a short code names its pickup only in the office's grant, and
a reissued code is another pickup of the same document.

Found by the history checker (suite 9): an offline QR release the office had not heard of yet,
then the same pickup's short code online at the same lane, and the door opened a second time."""

from __future__ import annotations

import time

from controller.kernel.codes import code_hash
from tests.controller.lane.conftest import FlakyOffice


def test_a_short_code_of_a_pickup_released_offline_here_does_not_open_the_door_again(make_system):
    probe = make_system(start=False)
    office, state_dir = probe.office, probe.config.state_dir
    doc = office.create_document(
        kind="locker", title="KTP-el", locker_bank="A", door=1, actor="test", loaded_at=time.time()
    )
    issued = office.mark_ready(doc["id"], "test")
    flaky = FlakyOffice(office, "lane-1")
    system = make_system(start=False, state_dir=state_dir, drivers={"office_link": flaky}, dedupe_seconds=0.1)
    lane = system.lane
    assert lane.sync.sync_once()

    flaky.down = True  # the office is away: the QR is released offline
    first = lane.releaser.release(code_hash=code_hash(issued.code))
    assert first.outcome == "released" and len(lane.lockers["A"].pulses) == 1

    flaky.down = False  # back, but the offline release is not reconciled yet
    again = lane.releaser.release(short_code=issued.short_code)
    assert (again.outcome, again.reason) == ("abandoned", "code.already_released")
    assert len(lane.lockers["A"].pulses) == 1  # the door did not open a second time

    lane.reporter.flush()  # the office hears the claim was handed back ...
    assert lane.sync.sync_once()  # ... and then of the offline release
    assert office.get_document(doc["id"])["state"] == "released"


def test_a_reissued_code_of_a_document_released_offline_here_does_not_open_the_door_again(make_system):
    """The same with an old slip: the lane released the old code offline from its snapshot, the
    office (which reissued it meanwhile) grants the new code online before it heard of that."""
    probe = make_system(start=False)
    office, state_dir = probe.office, probe.config.state_dir
    doc = office.create_document(
        kind="locker", title="KTP-el", locker_bank="A", door=1, actor="test", loaded_at=time.time()
    )
    old = office.mark_ready(doc["id"], "test")
    flaky = FlakyOffice(office, "lane-1")
    system = make_system(start=False, state_dir=state_dir, drivers={"office_link": flaky}, dedupe_seconds=0.1)
    lane = system.lane
    assert lane.sync.sync_once()
    new = office.reissue(doc["id"], "test")  # the lane's snapshot still lists the old code

    flaky.down = True
    assert lane.releaser.release(code_hash=code_hash(old.code)).outcome == "released"
    flaky.down = False
    again = lane.releaser.release(code_hash=code_hash(new.code))
    assert (again.outcome, again.reason) == ("abandoned", "code.already_released")
    assert len(lane.lockers["A"].pulses) == 1
    lane.reporter.flush()
    assert lane.sync.sync_once()  # the offline release of the revoked code: a conflict for staff
    assert office.get_document(doc["id"])["state"] == "uncertain"
