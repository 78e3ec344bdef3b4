"""The dashboard's live stream: lane cards as diffs, following the database's change feed.

The stream subscribes to ``fleet.changes`` (``controller.office.changes``: LISTEN/NOTIFY on
PostgreSQL, so a heartbeat taken by any office worker reaches a dashboard held at any other).
The first event holds every card; after that, the lane ids heard within one ``window`` (about a
second, longer after a big one: ``BUSY_SHARE``) make one event with only their cards, read and
rendered in a worker thread: neither the database read nor Jinja runs on the event loop. A
keepalive that changes nothing a person sees sends nothing; the page ages "last heard" itself
from each card's ``data-received``.

An event is ``{"now", "full", "cards": {lane_id: html}, "gone": [lane_id]}``; the page replaces,
inserts and removes cards by id and sorts them worst first by their ``data-rank``, ``data-site``
and ``data-lane`` (the order ``FleetReads.lanes`` gives).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable

from sse_starlette import ServerSentEvent

COALESCE_S = 1.0  # at most one event per stream this often: changes in between are collected
# and after an event that took T to read and render, the next waits at least BUSY_SHARE x T more: a
# stream never spends more than about a third of the office's time on cards (1,000 lanes changing
# at once, as when a fleet starts, is a second or more of rendering per dashboard)
BUSY_SHARE = 2.0


class LaneFeed:
    """The lane ids one stream has heard of and not yet sent (``None``: everything)."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.pending: set[str] | None = None  # the first event holds every card
        self.wake = asyncio.Event()
        self.wake.set()

    def heard(self, lane_ids: set[str] | None) -> None:
        """Called from any thread (the listener, a request's commit)."""
        with contextlib.suppress(RuntimeError):  # the loop closed: the stream is gone
            self.loop.call_soon_threadsafe(self._add, lane_ids)

    def _add(self, lane_ids: set[str] | None) -> None:
        if lane_ids is None or self.pending is None:
            self.pending = None
        else:
            self.pending |= lane_ids
        self.wake.set()

    def take(self) -> set[str] | None:
        taken, self.pending = self.pending, set()
        self.wake.clear()
        return taken


def lane_event(fleet, render_card: Callable[[dict], str], lane_ids: set[str] | None) -> ServerSentEvent:
    """One SSE event for ``lane_ids`` (``None``: every lane). Blocking: run it in a thread."""
    lanes = fleet.lanes(None if lane_ids is None else sorted(lane_ids))
    cards = {lane["lane_id"]: render_card(lane) for lane in lanes}
    gone = [] if lane_ids is None else sorted(set(lane_ids) - set(cards))
    data = {"now": time.time(), "full": lane_ids is None, "cards": cards, "gone": gone}
    return ServerSentEvent(json.dumps(data), event="lanes")


async def lane_events(
    fleet,
    render_card: Callable[[dict], str],
    *,
    window: Callable[[], Awaitable[object]] = lambda: asyncio.sleep(COALESCE_S),
) -> AsyncIterator[ServerSentEvent]:
    """The events of one dashboard: the whole fleet, then coalesced diffs, until sse-starlette
    cancels it (the browser left; web/pages/sse.py also sends the keep-alives). ``window`` is
    awaited between the first change heard and the event (tests hold it open)."""
    feed = LaneFeed(asyncio.get_running_loop())
    unsubscribe = fleet.changes.subscribe(feed.heard)
    try:
        first, busy = True, 0.0
        while True:
            await feed.wake.wait()
            if not first:
                await window()  # what else changes meanwhile goes into the same event
                if busy > 0.05:
                    await asyncio.sleep(BUSY_SHARE * busy)  # the last event was a big one
            first = False
            lane_ids = feed.take()
            if lane_ids is not None and not lane_ids:
                continue
            started = time.monotonic()
            event = await asyncio.to_thread(lane_event, fleet, render_card, lane_ids)
            busy = time.monotonic() - started
            yield event
    finally:
        unsubscribe()
