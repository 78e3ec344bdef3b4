"""The lane screen page and its live event stream over real HTTP."""

from __future__ import annotations

import json
import threading

from tests.rigs.server import LiveServer
from tests.rigs.wait import wait_for


def test_lane_page_in_both_languages(build):
    with LiveServer(build()) as server, server.client() as http:
        page_id = http.get("/lane").text
        assert 'lang="id"' in page_id and "Tunjukkan QR" in page_id and "English" in page_id
        page_en = http.get("/lane?lang=en").text
        assert 'lang="en"' in page_en and "Show your pickup QR" in page_en


def test_events_stream_the_current_view_then_each_change(build):
    system = build()
    with LiveServer(system) as server, server.client() as http:
        views = []

        def follow():
            with http.stream("GET", "/lane/events") as stream:
                for line in stream.iter_lines():
                    if line.startswith("data: "):
                        views.append(json.loads(line[6:]))
                        if len(views) >= 3:
                            return

        reader = threading.Thread(target=follow, daemon=True)
        reader.start()
        wait_for(lambda: views, what="the first view")
        assert views[0]["state"] == "ready"
        system.lane.simulate_scan(text="garbage")
        reader.join(10)
        states = [v["state"] for v in views]
        assert "refused" in states
        refused = next(v for v in views if v["state"] == "refused")
        assert refused["reason"] == "code.malformed" and refused["text_id"] and refused["text_en"]


def test_a_screen_that_goes_away_leaves_no_subscriber_behind(build):
    system = build()
    screen = system.lane.screen
    with LiveServer(system) as server, server.client() as http:
        before = len(screen._subscribers)  # the running system's own (the lights)
        for _ in range(3):  # a kiosk that reloads
            with http.stream("GET", "/lane/events") as stream:
                assert stream.headers["content-type"].startswith("text/event-stream")
                assert stream.headers["cache-control"] == "no-store"
                next(line for line in stream.iter_lines() if line.startswith("data: "))
            # the stream's generator is cancelled once the closed connection is noticed
        wait_for(lambda: len(screen._subscribers) == before, what="every stream's unsubscribe")
