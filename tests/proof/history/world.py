"""One history's world: a fresh office database, two real lanes in process, their simulators.

Each lane is the product's own ``build_system`` (role ``lane``) with a ``RecordingPrinter`` and a
sim locker bank handed in, and its office client and sync link wrapped by ``faults.py``. The
checker drives a lane on the test's thread, one step at a time, by calling the same code its
threads would run (``Lane.handle`` for a read, ``Reporter.flush``, ``SyncWorker.sync_once``,
``recover`` at a restart), so a history replays exactly from its seed and shrinks.
"""

from __future__ import annotations

import dataclasses
import inspect
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from controller.config import parse_config
from controller.lane.recovery import recover
from controller.office.blobs import BlobStore
from controller.office.lockers import Lockers
from controller.office.office import Office
from hardware.locker.sim import SimLockerBank
from tests.proof.conftest import SHORT_KEY
from tests.proof.history.faults import FaultyOffice, JournalKiller, LaneKilled, Link, OneShots
from tests.proof.history.physical import Doors, HookedBank, RecordingPrinter
from tests.proof.history.rogue import ROGUE_ID, Rogue
from tests.proof.history.two_offices import OfficeWorkers
from web.app import build_system

SITE = "MPP Riwayat"
LANE_IDS = ("h-1", "h-2")
DOORS = 3
PRINT_TIMEOUT = 0.4  # a slowed printer runs past it (a job cut by the timeout)
FAST_PAGE, SLOW_PAGE = 0.004, 0.3  # a slowed job of 2 or more pages runs past the timeout
# the guessing bounds the office is given and the checker holds it to
LIMITS = dict(
    lockout_after=3, lockout_seconds=300.0, window_seconds=3600.0, lane_limit=5, site_limit=7, pin_limit=3
)


class FakeClock:
    """The office's clock: starts at the real time (the lanes trust no time before the build)."""

    def __init__(self):
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def make_office(engine, blobs: BlobStore, clock: FakeClock) -> Office:
    """An Office with the checker's guessing bounds, on whatever constructor this revision has
    (the checker also runs against revisions with a fix reverted)."""
    params = inspect.signature(Office).parameters
    kw: dict = {"clock": clock, "short_code_lockout": LIMITS["lockout_after"]}
    kw["lockout_minutes"] = LIMITS["lockout_seconds"] / 60
    if "guess_limits" in params:
        from controller.office.guessing import GuessLimits

        kw["guess_limits"] = GuessLimits(**LIMITS)
    return Office(engine, blobs, SHORT_KEY, **{k: v for k, v in kw.items() if k in params})


@dataclass
class Doc:
    """A document as staff registered it, and every code it was given (the citizen's slips)."""

    id: int
    kind: str  # print | locker
    pdf_sha: str | None = None
    pin: bool = False
    pages: int = 0  # a print's pages
    bank: str | None = None
    door: int | None = None
    codes: list = field(default_factory=list)  # IssuedCode, oldest first
    loaded: bool = False  # staff confirmed its item in its door
    reprints: int = 0  # staff resolved "not released" after sheets of it came out
    told_released: bool = False  # a lane told its citizen to take it (they stop coming back)


class LaneRig:
    """One lane: its devices (which outlive a lane process) and the current lane process."""

    def __init__(self, world: World, lane_id: str):
        self.world, self.lane_id = world, lane_id
        self.dir = world.root / lane_id
        self.bank_id = f"{lane_id}-A"
        self.printer = RecordingPrinter(
            name=f"{lane_id}-printer", outbox=self.dir / "printer", seconds_per_page=FAST_PAGE
        )
        self.bank = HookedBank(
            name=self.bank_id, doors=DOORS, realtime=False, open_delay=0.0, close_after=None
        )
        self.link = Link()
        self.shots = OneShots(world.struck)
        self.killer = JournalKiller()
        self.printer.acted = self.bank.acted = self.killer.actuated
        self.system = None
        self.alive = False
        self.restarts = 0
        self.faults: dict[str, bool] = {}  # armed door faults of the next showing: stuck, late

    @property
    def lane(self):
        return self.system.lane

    def start(self) -> None:
        """Start a lane process: build it from config and run its start-up recovery."""
        config = parse_config(
            {
                "role": "lane",
                "state_dir": str(self.dir / "state"),
                "lane": {
                    "id": self.lane_id,
                    "site": SITE,
                    "office_url": "http://office.invalid",
                    "api_key": "amk_unused",
                    "printer": {"type": "none"},
                    "lockers": [{"type": "sim", "id": self.bank_id, "doors": DOORS}],
                    "dedupe_seconds": 3.0,
                    "result_seconds": 0.05,
                    "pulse_ms": 50,
                    "door_open_timeout": 0.2,
                    "print_timeout": PRINT_TIMEOUT,
                    "not_detected_limit": 10,
                    "sync_seconds": 3600,
                    "heartbeat_seconds": 300,
                },
            }
        )
        world = self.world
        client = FaultyOffice(world.office, self.lane_id, self.link, self.shots, world.pending, world.rogue)
        self.system = build_system(
            config, office_link=client, printer=self.printer, lockers={self.bank_id: self.bank}
        )
        lane = self.system.lane
        lane.releaser.prints.settings = dataclasses.replace(
            lane.releaser.prints.settings, poll_interval=0.005, fault_grace=0.05
        )
        self.killer.install(lane.journal)
        self.alive = True
        try:  # what Lane.start does before its threads: settle the releases a kill interrupted
            recover(lane.journal, self.printer, lane.lockers, follow_seconds=min(10.0, PRINT_TIMEOUT))
        except LaneKilled:
            self.died()  # killed again during recovery

    def died(self) -> None:
        """The lane process is gone: its journal connection with it; the devices stay."""
        self.alive = False
        self.killer.disarm()
        self.lane.journal.close()

    def restart(self) -> None:
        self.restarts += 1
        self.start()

    def close(self) -> None:
        if self.alive:
            self.lane.journal.close()
        self.printer.close()
        self.bank.close()


class World:
    """The office, its clock, the lanes, the documents and the physical record of one history."""

    def __init__(self, root: Path, engine, *, second_engine=None, seed: int = 0):
        """``second_engine``: a second office worker on the same database (``OfficeWorkers``)."""
        self.root = root
        self.engine = engine
        self.second_engine = second_engine
        self.clock = FakeClock()
        self.office = make_office(engine, BlobStore(root / "blobs"), self.clock)
        if second_engine is not None:
            second = make_office(second_engine, BlobStore(root / "blobs"), self.clock)
            self.office = OfficeWorkers([self.office, second], seed)
        self.struck: Counter = Counter()  # faults that struck, by kind
        self.pending: list = []  # slow commits not landed yet
        self.docs: list[Doc] = []
        self.doors = Doors()
        self.staff_done: Counter = Counter()  # successful staff actions, by audit action
        self.answers: list[tuple] = []  # (lane_id, doc or None, kind, reason, office time)
        self.interrupted: list[tuple] = []  # (lane_id, doc, code shown): showings with no answer
        self.refusals: Counter = Counter()  # staff actions and late commits the office refused
        self.events: Counter = Counter()
        self.pin_kind: int | None = None
        self.lockers = Lockers(engine, clock=self.clock)
        self.job_doc: dict[tuple[str, int], Doc | None] = {}  # (lane, job id) -> whose code was shown
        self.steps = 0
        self.at = 0.0  # the lanes' read times (monotonic seconds): repeats are 0.5 s apart
        sites = "site" in inspect.signature(self.office.ensure_lane).parameters  # not before issue 11
        for lane_id in (*LANE_IDS, ROGUE_ID):  # the rogue: a third lane key of the site (rogue.py)
            self.office.ensure_lane(lane_id, lane_id, **({"site": SITE} if sites else {}))
        self.rogue = Rogue(self.office, self.struck)
        self.lanes = {lane_id: LaneRig(self, lane_id) for lane_id in LANE_IDS}
        for rig in self.lanes.values():
            self.office.ensure_locker_bank(rig.bank_id, rig.lane_id, DOORS)
            rig.start()

    def bank(self, bank_id: str) -> SimLockerBank:
        return next(r.bank for r in self.lanes.values() if r.bank_id == bank_id)

    def doc_of_code(self, code: str) -> Doc | None:
        for doc in self.docs:
            if any(issued.code == code for issued in doc.codes):
                return doc
        return None

    def close(self) -> None:
        for rig in self.lanes.values():
            rig.close()
        self.engine.dispose()
        if self.second_engine is not None:
            self.second_engine.dispose()
