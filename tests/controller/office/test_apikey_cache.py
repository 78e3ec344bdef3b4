"""The office's memory of live API keys (``controller.office.apikey_cache``): a key confirmed
live is not looked up again for a few seconds; a revoked key stops at once in the worker that
revoked it and within ``TTL_SECONDS`` in every other; unknown keys are never remembered."""

from __future__ import annotations

from sqlalchemy import event

from controller.office.apikey_cache import TTL_SECONDS, KeyCache
from controller.office.office import Office
from tests.controller.office.conftest import SHORT_KEY


class Ticks:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def lookups(engine) -> list:
    seen: list = []
    event.listen(
        engine, "before_cursor_execute", lambda *a: seen.append(a[2]) if "api_keys" in a[2] else None
    )
    return seen


def test_a_revoked_key_stops_at_once_here_and_within_the_ttl_in_another_worker(office, engine, tmp_path):
    other = Office(engine, office.blobs, SHORT_KEY)  # another office worker on the same database
    ticks = Ticks()
    other.key_cache = KeyCache(clock=ticks)
    key = office.create_api_key("lane", lane_id="lane-1")
    seen = lookups(engine)
    assert office.lookup_api_key(key)["lane_id"] == "lane-1"
    assert other.lookup_api_key(key)["lane_id"] == "lane-1"
    assert len(seen) == 2
    assert office.lookup_api_key(key) and other.lookup_api_key(key) and len(seen) == 2  # remembered
    assert office.revoke_api_key(office.lookup_api_key(key)["id"])
    assert office.lookup_api_key(key) is None and office.cached_api_key(key) is None  # at once here
    ticks.now += TTL_SECONDS - 0.5
    assert other.cached_api_key(key) is not None  # the other worker: not yet
    ticks.now += 0.5
    assert other.cached_api_key(key) is None and other.lookup_api_key(key) is None  # by the TTL


def test_unknown_keys_are_looked_up_every_time(office, engine):
    seen = lookups(engine)
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
