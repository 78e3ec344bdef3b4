"""``ambil bench fleet`` at a tiny size: 6 lanes against 2 office workers on PostgreSQL for 5 s.

Not a speed test: it checks that the run prints every figure it promises and that they agree
with each other and with the office's database (claims the lanes were granted are the claims
the office recorded, every release reported is recorded released), with no HTTP error, no lane
shown offline, a dashboard on each worker and the office's CPU counted.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.rigs.postgres import PG_URL

LANES, WORKERS, SECONDS = 6, 2, 5


def test_tiny_fleet_run_prints_consistent_figures(pg_admin, tmp_path):
    out = tmp_path / "fleet.json"
    run = subprocess.run(
        [sys.executable, "-m", "web.cli", "bench", "fleet", "--lanes", str(LANES), "--workers", str(WORKERS),
         "--seconds", str(SECONDS), "--warmup", "4", "--pace", "1", "--client-processes", "2",
         "--postgres", PG_URL, "--json", str(out)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    text = run.stdout
    for shown in ("claims/s", "claim p50/p95/p99", "report p50/p95/p99", "heartbeat p50/p95/p99",
                  "lanes shown offline while sending: 0", "duplicate open alerts: 0",
                  "notifications failed: 0", "CPU (% of one core): office", "(5xx: 0)"):  # fmt: skip
        assert shown in text, text
    [result] = json.loads(out.read_text())
    assert (result["workers"], result["lanes"]) == (WORKERS, LANES)
    assert result["errors"] == {} and result["errors_5xx"] == 0
    # what the lanes were told is what the office wrote down
    assert result["granted"] > 0
    assert result["unanswered"] == result["abandoned"] == 0
    assert result["granted"] == result["claims_recorded"]
    assert result["reported"] == result["released_recorded"] == result["granted"]
    # the window's figures agree with each other: one claim a second per lane, heartbeats every 3 s
    assert result["claims"]["n"] >= round(result["claims_per_second"] * SECONDS) > 0
    assert result["reports"]["n"] > 0 and result["heartbeats"]["n"] > 0
    assert result["claims"]["p50_ms"] <= result["claims"]["p95_ms"] <= result["claims"]["p99_ms"]
    assert result["heartbeats_per_second"] * SECONDS == pytest.approx(result["heartbeats"]["n"], abs=0.5)
    assert result["lanes_shown_offline"] == 0 and result["fleet_polls"] >= 1
    assert result["offline_alerts"] == 0 and result["duplicate_open_alerts"] == 0
    assert result["dashboards"] == WORKERS and result["dashboard_events"] > 0
    assert result["office_cpu_percent"] > 0 and result["client_cpu_percent"] > 0
    assert result["out_of_pickups"] == 0 and result["office_tracebacks"] == 0
