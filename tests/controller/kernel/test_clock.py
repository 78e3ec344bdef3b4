"""The trusted-time floor: never moves back, survives restarts, bounds clocks behind and ahead."""

from __future__ import annotations

import random

from controller.kernel.clock import BUILD_TIME, TrustedClock
from controller.lane.journal import Journal
from controller.lane.offline import OfflineStore

OFFICE = 1_800_000_000.0
Y2001 = 978_307_200.0


class Fake:
    def __init__(self, wall: float, mono: float = 50.0):
        self.wall, self.mono = wall, mono


class MemoryStore:
    def __init__(self, value=None):
        self.value = value

    def load_floor(self):
        return self.value

    def save_floor(self, value):
        self.value = max(self.value or 0.0, value)


def clock_for(fake: Fake, store=None, **kw) -> TrustedClock:
    return TrustedClock(store, wall=lambda: fake.wall, monotonic=lambda: fake.mono, **kw)


def test_floor_starts_at_build_time_and_never_moves_back():
    fake = Fake(Y2001)
    clock = clock_for(fake)
    assert clock.floor() == BUILD_TIME and clock.now() == BUILD_TIME
    rng = random.Random(6)
    seen = clock.floor()
    for _ in range(500):  # office times jumping back and forth, wall clock anywhere
        fake.mono += rng.uniform(0, 5)
        fake.wall = rng.choice([Y2001, OFFICE + rng.uniform(-1e6, 1e6)])
        if rng.random() < 0.3:
            clock.observe_office_time(OFFICE + rng.uniform(-1e5, 1e5))
        floor = clock.floor()
        assert floor >= seen
        assert clock.now() >= floor
        seen = floor


def test_floor_follows_office_time_and_monotonic_time():
    fake = Fake(Y2001)
    clock = clock_for(fake)
    clock.observe_office_time(OFFICE)
    fake.mono += 90
    assert clock.floor() == OFFICE + 90
    assert clock.now() == OFFICE + 90  # the 2001 wall clock is ignored


def test_persisted_floor_survives_a_reboot_and_only_goes_up(tmp_path):
    journal = Journal(tmp_path / "j.db")
    store = OfflineStore(journal, banks=["A"])
    fake = Fake(Y2001)
    clock = clock_for(fake, store)
    clock.observe_office_time(OFFICE)
    fake.mono += 30
    clock.persist()
    store.save_floor(OFFICE - 1000)  # a stale lower value never replaces it
    assert store.load_floor() == OFFICE + 30
    journal.close()
    journal = Journal(tmp_path / "j.db")  # reboot: monotonic restarts, clock still 2001
    reboot = Fake(Y2001, mono=1.0)
    clock = clock_for(reboot, OfflineStore(journal, banks=["A"]))
    assert clock.now() == OFFICE + 30
    reboot.mono += 10
    assert clock.now() == OFFICE + 40
    status = clock.status()
    assert status["synchronised"] is False and status["skew_s"] < -1e8
    journal.close()


def test_a_clock_far_ahead_is_bounded_by_office_time_at_the_next_sync():
    fake = Fake(OFFICE + 30 * 86400)  # a month ahead: would refuse valid codes
    clock = clock_for(fake, tolerance_s=120)
    assert clock.now() == fake.wall  # before any sync it cannot be told
    clock.observe_office_time(OFFICE)
    assert clock.now() == OFFICE
    status = clock.status()
    assert status["synchronised"] is False and status["skew_s"] == 30 * 86400
    fake.wall = OFFICE + 60  # a small skew: the system clock is used
    assert clock.now() == OFFICE + 60 and clock.status()["synchronised"] is True


def test_the_build_time_is_in_the_past():
    import time

    assert BUILD_TIME <= time.time()
