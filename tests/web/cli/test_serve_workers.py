"""``ambil serve --workers N``: refused where it cannot work (SQLite, a lane), and on PostgreSQL
N office processes that start together on a fresh database, share the port, and raise a silent
lane's alert once (one of them runs the offline timer)."""

from __future__ import annotations

import subprocess
import sys
import time

import httpx
from sqlalchemy import func, select

from controller.office.db import make_engine
from controller.office.db.tables import alerts, document_kinds
from controller.office.office import Office
from tests.rigs.office_workers import office_processes
from tests.rigs.postgres import schema_url
from tests.rigs.wait import wait_for


def _serve(config, *args, **popen):
    return subprocess.Popen(
        [sys.executable, "-m", "web.cli", "serve", "--config", str(config), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


def test_workers_are_refused_on_sqlite_and_with_a_lane(tmp_path):
    office = tmp_path / "office.toml"
    office.write_text(f'role = "office"\nstate_dir = "{tmp_path / "s1"}"\n')
    run = _serve(office, "--workers", "2")
    out, err = run.communicate(timeout=60)
    assert run.returncode == 2, out + err
    assert "PostgreSQL" in err and "SQLite" in err and "one worker" in err
    demo = tmp_path / "demo.toml"
    demo.write_text(f'state_dir = "{tmp_path / "s2"}"\n')  # all-in-one: it drives a lane
    run = _serve(demo, "--workers", "3")
    out, err = run.communicate(timeout=60)
    assert run.returncode == 2 and 'role = "office"' in err, out + err


def test_four_workers_on_a_fresh_postgresql_database(tmp_path, pg_schema):
    url = schema_url(pg_schema)
    with office_processes(tmp_path, url, workers=4, extra="lane_offline_seconds = 2\n") as running:
        engine = make_engine(url)
        try:
            with engine.connect() as conn:
                kinds = conn.execute(select(func.count()).select_from(document_kinds)).scalar()
            assert kinds == 5  # four workers seeded a fresh office together: once
            office = Office(engine, None, b"k" * 32)
            office.ensure_lane("lane-7", "Lajur 7", site="MPP")
            key = office.create_api_key("lane", lane_id="lane-7")
            headers = {"Authorization": f"Bearer {key}"}
            report = {"lane_id": "lane-7", "state": "ready", "devices": {}, "counters": {}}
            with httpx.Client(base_url=running.base_url, headers=headers, timeout=10) as client:
                for _ in range(8):  # round-robin over the workers; every answer is a 2xx
                    assert client.post("/api/v1/lanes/lane-7/heartbeat", json=report).status_code < 300

            def offline_alerts():
                with engine.connect() as conn:
                    return conn.execute(
                        select(func.count()).where(
                            alerts.c.lane_id == "lane-7", alerts.c.rule == "lane.offline"
                        )
                    ).scalar()

            wait_for(offline_alerts, timeout=30, what="the silent lane's offline alert")
            time.sleep(3)  # every worker's timer period passes again
            assert offline_alerts() == 1
        finally:
            engine.dispose()
    assert "Traceback" not in running.output(), running.output()[-3000:]
