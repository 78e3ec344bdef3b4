"""The lock-board rig: simulated RS485 boards on a real pty, behind a udev-style symlink.

Take the ``lockboard`` fixture (import it into a test module: ``from tests.rigs.lockboard_pty
import lockboard  # noqa: F401``). ``lockboard.plug({addr: doors}, **options)`` starts a
``LockBoardSimulator`` whose pty is reached through ``lockboard.port`` (a symlink that stays the
same across plugs), ``lockboard.unplug()`` stops it (the link dangles, as after a pulled USB cable),
and a later ``plug`` re-points the link at a fresh pty. Everything is closed after the test.
Where ptys cannot be made the tests skip, except with CI=true, where they fail.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from hardware.locker.board_sim import LockBoardSimulator
from tests.rigs.unavailable import rig_unavailable


class LockBoardRig:
    """Plugs and unplugs simulated buses behind one stable port path."""

    def __init__(self, directory: Path) -> None:
        self.link = directory / "ambil-lockboard"
        self.sim: LockBoardSimulator | None = None
        self._all: list[LockBoardSimulator] = []

    @property
    def port(self) -> str:
        return str(self.link)

    def plug(self, boards: dict[int, int], **options) -> LockBoardSimulator:
        """Start a simulator with ``boards`` and point the link at it (unplugging any other)."""
        self.unplug()
        self.sim = LockBoardSimulator(boards, port_path=self.link, **options)
        self._all.append(self.sim)
        return self.sim

    def unplug(self) -> None:
        """Stop the current simulator: its pty closes and the link dangles."""
        if self.sim is not None:
            self.sim.close()
            self.sim = None

    def close(self) -> None:
        for sim in self._all:
            sim.close()
        self.link.unlink(missing_ok=True)


@pytest.fixture
def lockboard(tmp_path) -> Iterator[LockBoardRig]:
    try:
        master, slave = os.openpty()
    except OSError as exc:
        rig_unavailable(f"cannot open a pseudo-terminal for the lock-board simulator: {exc}")
    os.close(master)
    os.close(slave)
    rig = LockBoardRig(tmp_path)
    try:
        yield rig
    finally:
        rig.close()
