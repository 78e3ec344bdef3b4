"""A whole all-in-one System on simulated devices, in a temp state dir, for lane tests."""

from __future__ import annotations

import time

import pytest

from controller.kernel.errors import OfficeUnreachable
from controller.lane.link.in_process import InProcessOfficeLink
from controller.office.sync import OfficeSync
from tests.conftest import lane_config, make_pdf
from tests.rigs.wait import wait_for
from web.app import build_system


@pytest.fixture
def make_system(tmp_path):
    systems = []

    def build(*, start: bool = True, state_dir=None, drivers: dict | None = None, **lane):
        """``lane`` overrides [lane] config keys; ``drivers`` replaces built drivers/clients."""
        drivers = drivers or {}
        config = lane_config(state_dir or tmp_path / "state", **lane)
        system = build_system(config, **drivers)
        if start:
            system.start()
        systems.append(system)
        return system

    yield build
    for system in systems:
        if system.started:
            system.stop()


def issue_print(office, pages: int = 2) -> tuple[int, str]:
    doc = office.create_document(kind="print", title="Akta", pdf=make_pdf(pages), actor="test")
    return doc["id"], office.mark_ready(doc["id"], "test").code


def issue_locker(office, door: int, bank: str = "A") -> tuple[int, str]:
    doc = office.create_document(
        kind="locker", title="KTP-el", locker_bank=bank, door=door, actor="test", loaded_at=time.time()
    )
    return doc["id"], office.mark_ready(doc["id"], "test").code


def wait_done(lane, count: int = 1, timeout: float = 30.0):
    """Wait until ``count`` releases reached DONE in the journal; returns them, oldest first."""

    def finished():
        rows = [r for r in lane.journal.recent(100) if r.stage == "done"]
        return rows if len(rows) >= count else None

    rows = wait_for(finished, timeout, what=f"{count} finished release(s)")
    return sorted(rows, key=lambda r: r.created_at)


def wait_state(lane, state: str, timeout: float = 30.0):
    return wait_for(
        lambda: lane.screen.view.state == state,
        timeout,
        what=f"lane state {state} (now {lane.screen.view.state})",
    )


def past_repeat_window(lane) -> None:
    """Let the lane's repeat window (``dedupe_seconds``) pass, so that the next read of a code
    is a second showing, not a repeat. The lane takes no clock, so this sleeps; a sleep never
    ends early, so a busy machine cannot make it too short. Never use it to wait for a state."""
    time.sleep(2 * lane.settings.dedupe_seconds)


def all_reads_handled(lane, before: int = 0) -> None:
    """Read a malformed sentinel and wait until the lane refused it: the lane handles reads in
    order on one worker, so every read made before has been handled completely by then.
    ``before`` is the number of malformed reads before this call."""
    lane.on_read("sentinel: not a pickup code")
    wait_for(lambda: lane.counters.malformed > before, what="the sentinel read handled")


class FlakyOffice(InProcessOfficeLink):
    """The real office behind a switch that makes it unreachable (claims, reports, sync)."""

    down = False

    def __init__(self, office, lane_id: str):
        super().__init__(office, lane_id, office_sync=OfficeSync(office))

    def _check(self):
        if self.down:
            raise OfficeUnreachable("connection refused (test)")

    def claim(self, **kw):
        self._check()
        return super().claim(**kw)

    def report(self, **kw):
        self._check()
        return super().report(**kw)

    def ping(self):
        return not self.down

    def fetch_snapshot(self):
        self._check()
        return super().fetch_snapshot()

    def report_offline(self, releases):
        self._check()
        return super().report_offline(releases)
