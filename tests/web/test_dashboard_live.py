"""The dashboard's live stream (web/pages/dashboard_live.py) on a real fleet store: the first
event holds every card, then only the cards that changed, coalesced, read and rendered off the
event loop; a keepalive sends nothing."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest

from controller.kernel import heartbeat as protocol
from controller.office.alerts import Alerts
from controller.office.db import make_engine
from controller.office.db.migrations import migrate
from controller.office.fleet import Fleet
from web.pages.dashboard_live import lane_events


def report(lane_id: str, state="ready", reads=0) -> dict:
    return {
        "schema": protocol.SCHEMA,
        "lane_id": lane_id,
        "state": state,
        "counters": {"reads": reads},
        "devices": {},
        "host": {"clock_synchronised": True},
    }


class Recorder:
    """The card renderer's test double: which lanes it rendered, and on which threads."""

    def __init__(self):
        self.threads: set[int] = set()

    def __call__(self, lane: dict) -> str:
        self.threads.add(threading.get_ident())
        return f'<li id="lane-{lane["lane_id"]}" data-state="{lane["state"]}"></li>'


@pytest.fixture
def fleet(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'office.db'}")
    migrate(engine)
    yield Fleet(engine, Alerts(engine), offline_seconds=60)
    engine.dispose()


def parse(event) -> dict:
    assert event.event == "lanes", event
    return json.loads(event.data)


def stream(fleet, render, **kw):
    return lane_events(fleet, render, **kw)


def run(coroutine_function):
    """``asyncio.run`` in a thread of its own (a browser fixture may hold this thread's loop)."""
    result: dict = {}

    def main() -> None:
        try:
            result["value"] = asyncio.run(coroutine_function())
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
            result["error"] = exc

    thread = threading.Thread(target=main)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result["value"]


def test_one_changed_lane_sends_only_its_card_rendered_off_the_loop(fleet):
    for n in (1, 2, 3):
        fleet.receive(f"lane-{n}", report(f"lane-{n}"))
    render = Recorder()

    async def main():
        events = stream(fleet, render, window=lambda: asyncio.sleep(0))
        first = parse(await anext(events))
        await asyncio.to_thread(fleet.receive, "lane-3", report("lane-3", state="scanning"))
        diff = parse(await anext(events))
        await events.aclose()
        return first, diff, threading.get_ident()

    first, diff, loop_thread = run(main)
    assert first["full"] and sorted(first["cards"]) == ["lane-1", "lane-2", "lane-3"]
    assert not diff["full"] and list(diff["cards"]) == ["lane-3"] and diff["gone"] == []
    assert 'data-state="scanning"' in diff["cards"]["lane-3"]
    assert render.threads and loop_thread not in render.threads


def test_fifty_heartbeats_in_one_window_make_one_event(fleet):
    render = Recorder()

    async def main():
        gate = asyncio.Event()
        events = stream(fleet, render, window=gate.wait)
        assert parse(await anext(events))["cards"] == {}
        pending = asyncio.ensure_future(anext(events))
        for n in range(50):  # one after the other, while the stream holds its window open
            await asyncio.to_thread(fleet.receive, f"lane-{n}", report(f"lane-{n}"))
        gate.set()
        event = parse(await pending)
        try:  # nothing left over: no second event (one would come at once, the gate is open)
            await asyncio.wait_for(anext(events), 0.5)
            return event, "a second event"
        except TimeoutError:
            return event, "none"

    event, after = run(main)
    assert len(event["cards"]) == 50
    assert after == "none"


def test_a_keepalive_sends_nothing(fleet):
    digest = fleet.receive("lane-1", report("lane-1"))["digest"]
    fleet.receive("lane-2", report("lane-2"))
    render = Recorder()

    async def main():
        events = stream(fleet, render, window=lambda: asyncio.sleep(0))
        await anext(events)
        answer = await asyncio.to_thread(
            fleet.receive, "lane-1", protocol.keepalive(report("lane-1", reads=5), digest)
        )
        assert answer["ok"]
        await asyncio.to_thread(fleet.receive, "lane-2", report("lane-2", state="scanning"))
        diff = parse(await anext(events))
        await events.aclose()
        return diff

    assert list(run(main)["cards"]) == ["lane-2"]


def test_a_lane_that_is_gone_is_removed(fleet):
    fleet.receive("lane-1", report("lane-1"))
    render = Recorder()

    async def main():
        events = stream(fleet, render, window=lambda: asyncio.sleep(0))
        await anext(events)
        fleet.changes.publish({"lane-404"})  # a lane deleted since: nothing to read
        diff = parse(await anext(events))
        await events.aclose()
        return diff

    diff = run(main)
    assert diff["cards"] == {} and diff["gone"] == ["lane-404"]


def test_after_a_slow_event_the_next_waits_longer_than_the_window(fleet):
    """Rendering a big diff takes T: the next event comes no sooner than BUSY_SHARE x T later, so
    a fleet changing all at once cannot keep a dashboard rendering all the time."""
    import time

    from web.pages.dashboard_live import BUSY_SHARE

    fleet.receive("lane-1", report("lane-1"))

    def slow(lane: dict) -> str:
        time.sleep(0.3)  # a big event's rendering
        return f'<li id="lane-{lane["lane_id"]}"></li>'

    async def main():
        events = stream(fleet, slow, window=lambda: asyncio.sleep(0))
        await anext(events)  # 0.3 s of rendering
        await asyncio.to_thread(fleet.receive, "lane-1", report("lane-1", state="scanning"))
        started = time.monotonic()
        diff = parse(await anext(events))
        waited = time.monotonic() - started
        await events.aclose()
        return diff, waited

    diff, waited = run(main)
    assert list(diff["cards"]) == ["lane-1"]
    assert waited >= BUSY_SHARE * 0.3 + 0.3 - 0.05  # the pause, then its own rendering
