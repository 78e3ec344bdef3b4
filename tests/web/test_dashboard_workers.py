"""Two office processes on one PostgreSQL schema: a heartbeat taken by office A reaches a
dashboard stream held at office B through the database (LISTEN/NOTIFY), as a diff of that lane's
card alone; nothing in either process's memory carries it."""

from __future__ import annotations

import json
import queue
import threading

import httpx

from controller.office.accounts import Accounts
from controller.office.db import make_engine
from controller.office.office import Office
from tests.rigs.office_workers import office_processes
from tests.rigs.postgres import schema_url
from tests.web.helpers import browser, login

PASSWORD = "a-long-password"


def report(printer="ok") -> dict:
    return {
        "lane_id": "lane-7",
        "state": "ready",
        "counters": {},
        "devices": {"printer": {"kind": "printer", "name": "p", "state": printer, "reasons": []}},
        "host": {"clock_synchronised": True},
    }


def events_of(client: httpx.Client, into: queue.Queue) -> None:
    """Read the dashboard's SSE stream into ``into``, one parsed event each (until it closes)."""
    try:
        with client.stream("GET", "/dashboard/events", timeout=httpx.Timeout(10, read=None)) as r:
            for line in r.iter_lines():
                if line.startswith("data: "):
                    into.put(json.loads(line[6:]))
    except httpx.HTTPError:
        pass  # the offices stopped


def test_a_heartbeat_at_office_a_reaches_a_dashboard_at_office_b(tmp_path, pg_schema):
    url = schema_url(pg_schema)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with office_processes(tmp_path / "a", url, 1) as a, office_processes(tmp_path / "b", url, 1) as b:
        engine = make_engine(url)
        try:
            office = Office(engine, None, b"k" * 32)
            office.ensure_lane("lane-7", "Lajur 7", site="MPP")
            office.ensure_lane("lane-8", "Lajur 8", site="MPP")
            key = office.create_api_key("lane", lane_id="lane-7")
            key8 = office.create_api_key("lane", lane_id="lane-8")
            Accounts(engine).create_user("tek", PASSWORD, "technician")
        finally:
            engine.dispose()
        lane = httpx.Client(base_url=a.base_url, headers={"Authorization": f"Bearer {key}"}, timeout=10)
        assert lane.post("/api/v1/lanes/lane-7/heartbeat", json=report()).status_code == 200
        tech = browser(b.base_url)
        assert login(tech, "tek", PASSWORD).status_code == 303
        events: queue.Queue = queue.Queue()
        threading.Thread(target=events_of, args=(tech, events), daemon=True).start()
        first = events.get(timeout=30)
        assert first["full"] and sorted(first["cards"]) == ["lane-7", "lane-8"]
        assert 'data-health="ok"' in first["cards"]["lane-7"]

        answer = lane.post("/api/v1/lanes/lane-7/heartbeat", json=report(printer="error")).json()
        diff = events.get(timeout=30)
        while diff["full"]:  # office B's listener (re)connected meanwhile: it sent everything again
            diff = events.get(timeout=30)
        assert list(diff["cards"]) == ["lane-7"] and 'data-health="error"' in diff["cards"]["lane-7"]

        # a keepalive at A changes no card: the next event B sends is lane 8's, not lane 7's
        assert lane.post(
            "/api/v1/lanes/-/heartbeat",
            json={"kind": "keepalive", "digest": answer["digest"], "counters": {"reads": 3}},
        ).json()["ok"]
        other = httpx.Client(base_url=a.base_url, headers={"Authorization": f"Bearer {key8}"}, timeout=10)
        assert (
            other.post("/api/v1/lanes/lane-8/heartbeat", json={**report(), "lane_id": "lane-8"}).status_code
            == 200
        )
        assert list(events.get(timeout=30)["cards"]) == ["lane-8"]
        lane.close()
        other.close()
        tech.close()
    assert "Traceback" not in a.output() + b.output(), (a.output() + b.output())[-3000:]
