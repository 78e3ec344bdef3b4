"""The office's memory of live API keys (``controller.office.apikey_cache``): a key confirmed
live is not looked up again for a few seconds (one sweep re-checks them all); a revoked key stops
at once in the worker that revoked it and within ``TTL_SECONDS`` in every other; unknown keys
are never remembered."""

from __future__ import annotations

from sqlalchemy import event

from controller.office.apikey_cache import FRESH_SECONDS, TTL_SECONDS, KeyCache
from controller.office.office import Office
from tests.controller.office.conftest import SHORT_KEY


class Ticks:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def key_reads(engine) -> list:
    """Statements that read the api_keys table, as the engine runs them."""
    seen: list = []

    def spy(conn, cursor, statement, *args):
        if "api_keys" in statement and statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", spy)
    return seen


def other_worker(office, engine) -> tuple[Office, Ticks]:
    other = Office(engine, office.blobs, SHORT_KEY)  # another office worker on the same database
    ticks = Ticks()
    other.key_cache = KeyCache(clock=ticks)
    return other, ticks


def test_a_revoked_key_stops_at_once_here_and_within_the_ttl_in_another_worker(office, engine):
    other, ticks = other_worker(office, engine)
    key = office.create_api_key("lane", lane_id="lane-1")
    seen = key_reads(engine)
    assert office.lookup_api_key(key)["lane_id"] == "lane-1"
    assert other.lookup_api_key(key)["lane_id"] == "lane-1"
    assert len(seen) == 2
    assert office.lookup_api_key(key) and other.cached_api_key(key) and len(seen) == 2  # remembered
    assert office.revoke_api_key(office.lookup_api_key(key)["id"])
    assert office.lookup_api_key(key) is None and office.cached_api_key(key) is None  # at once here
    ticks.now += FRESH_SECONDS - 0.1
    assert other.cached_api_key(key) is not None  # the other worker: not yet
    ticks.now += 0.2
    assert other.cached_api_key(key) is None  # no longer trusted without a sweep ...
    assert other.lookup_api_key(key) is None  # ... which finds it revoked
    assert other.lookup_api_key(key) is None and other.cached_api_key(key) is None


def test_one_sweep_keeps_every_live_key_and_nothing_lives_past_the_ttl_unchecked(office, engine):
    other, ticks = other_worker(office, engine)
    keys = [office.create_api_key("lane", lane_id="lane-1") for _ in range(5)]
    for key in keys:
        assert other.lookup_api_key(key)
    seen = key_reads(engine)
    ticks.now += FRESH_SECONDS + 0.1
    assert all(other.cached_api_key(key) is None for key in keys)
    assert other.lookup_api_key(keys[0])  # sweeps: one statement for all five
    assert len(seen) == 1
    assert all(other.cached_api_key(key) for key in keys) and len(seen) == 1
    other.key_cache._sweeping.acquire()  # a sweep that never ends (its thread hangs)
    ticks.now += TTL_SECONDS + 0.1
    assert other.lookup_api_key(keys[1]) and len(seen) == 2  # past the TTL: looked up again


def test_unknown_keys_are_looked_up_every_time(office, engine):
    seen = key_reads(engine)
    for _ in range(3):
        assert office.lookup_api_key("amk_" + "x" * 43) is None
    assert len(seen) == 3
    key = office.create_api_key("agency", label="later")  # made after the misses: works at once
    assert office.lookup_api_key(key)["role"] == "agency"


def test_a_lookup_racing_a_revocation_here_is_not_remembered(office):
    key = office.create_api_key("lane", lane_id="lane-1")
    key_id = office.lookup_api_key(key)["id"]
    office.key_cache.forget(key_id)
    stamp = office.key_cache.stamp()  # a lookup begins (and reads the key as live) ...
    office.revoke_api_key(key_id)  # ... the key is revoked here meanwhile ...
    office.key_cache.put("h", {"id": key_id, "role": "lane"}, stamp)  # ... then it would be remembered
    assert office.key_cache.get("h") is None
