"""Suite 3, power cut: a committed INTENT survives losing every write that was not fsynced.

The journal runs on a SQLite VFS that keeps, per file, the image of its last fsync
(power_cut_vfs.py). Each run gives the journal a random history (made durable, as on a lane
that has run for a while), writes CLAIMING then INTENT, does a few more writes, and then cuts
the power: only the synced images are restored into a fresh folder, and a plain ``Journal``
(the product's own sqlite3 code) opens them the way the lane does at boot. With
``synchronous=FULL`` the INTENT must be there every time; the same harness with ``NORMAL``
must lose it, or the harness proves nothing.
"""

from __future__ import annotations

import random
import shutil
import sqlite3

import pytest

from controller.lane.journal import Journal
from tests.proof.power_cut_vfs import PowerCutVFS


def one_run(tmp_path, synchronous: str, rng: random.Random, number: int) -> tuple[bool, bool]:
    """Return (INTENT after the cut, INTENT on the un-cut disk)."""
    folder = tmp_path / f"{synchronous}-{number}"
    vfs = PowerCutVFS()
    try:
        journal = Journal(folder / "lane-1-journal.db", synchronous=synchronous, connect=vfs.connect)
        for past in range(rng.randint(0, 12)):
            journal.claiming(f"old-{past}", "ab" * 32)
            journal.intent(f"old-{past}", {"kind": "door", "bank": "A", "door": 1})
            journal.done(f"old-{past}", "released")
            journal.mark_reported(f"old-{past}")
        # the lane has run for a while: its history is on disk
        journal._db.execute("PRAGMA wal_checkpoint(FULL)")
        for path in list(folder.iterdir()):
            if not path.name.endswith("-shm"):
                vfs.synced(str(path))

        journal.claiming("claim-under-test", "cd" * 32)
        journal.intent("claim-under-test", {"kind": "door", "bank": "A", "door": 3})
        for later in range(rng.randint(0, 3)):  # other work in flight when the power fails
            journal.claiming(f"later-{later}", "ef" * 32)

        uncut = tmp_path / f"uncut-{synchronous}-{number}"
        uncut.mkdir()
        for path in folder.iterdir():
            shutil.copy(path, uncut / path.name)
        restored = tmp_path / f"cut-{synchronous}-{number}"
        vfs.cut(restored)
    finally:
        vfs.close()
    return intent_in(restored), intent_in(uncut)


def intent_in(folder) -> bool:
    path = folder / "lane-1-journal.db"
    if not path.exists():
        return False
    try:
        reopened = Journal(path)
    except sqlite3.DatabaseError:
        return False
    try:
        release = reopened.get("claim-under-test")
    finally:
        reopened.close()
    return release is not None and release.stage == "intent"


@pytest.mark.parametrize("synchronous", ["FULL", "NORMAL"])
def test_intent_and_power_cut(synchronous, tmp_path, size, figures):
    runs = size(200, 1000)
    rng = random.Random(f"power-cut-{synchronous}")
    survived = on_uncut_disk = 0
    for number in range(runs):
        after_cut, uncut = one_run(tmp_path, synchronous, rng, number)
        survived += after_cut
        on_uncut_disk += uncut
    figures(
        f"synchronous={synchronous}: INTENT survived the power cut in {survived} of {runs} runs "
        f"(and was written, unsynced or not, in {on_uncut_disk} of {runs})"
    )
    assert on_uncut_disk == runs, "the INTENT must at least have been written"
    if synchronous == "FULL":
        assert survived == runs
    else:
        assert survived < runs, "NORMAL lost nothing: the harness does not model a power cut"
