"""A whole all-in-one System on simulated devices, in a temp state dir, for lane tests."""

from __future__ import annotations

import time

import pytest

from controller.errors import OfficeUnreachable
from controller.lane.office_client import InProcessOfficeClient
from controller.service import build_system
from tests.conftest import lane_config, make_pdf
from tests.rigs.screen_log import ScreenLog
from tests.rigs.server import wait_for


@pytest.fixture
def make_system(tmp_path):
    systems = []

    def build(*, start: bool = True, state_dir=None, drivers: dict | None = None, **lane):
        """``lane`` overrides [lane] config keys; ``drivers`` replaces built drivers/clients."""
        drivers = drivers or {}
        config = lane_config(state_dir or tmp_path / "state", **lane)
        system = build_system(config, **drivers)
        if system.lane is not None:
            ScreenLog.of(system.lane)  # before start: every view is recorded
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


def wait_done(lane, count: int = 1, timeout: float = 10.0):
    """Wait until ``count`` releases reached DONE in the journal; returns them, oldest first."""

    def finished():
        rows = [r for r in lane.journal.recent(100) if r.stage == "done"]
        return rows if len(rows) >= count else None

    rows = wait_for(finished, timeout, what=f"{count} finished release(s)")
    return sorted(rows, key=lambda r: r.created_at)


def wait_state(lane, state: str, timeout: float = 10.0):
    return wait_for(
        lambda: lane.screen.view.state == state,
        timeout,
        what=f"lane state {state} (now {lane.screen.view.state})",
    )


def settle(seconds: float = 0.3) -> None:
    time.sleep(seconds)


class FlakyOffice(InProcessOfficeClient):
    """The real office behind a switch that makes it unreachable (claims, reports, sync)."""

    down = False

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
