"""``GET /metrics``: Prometheus text format 0.0.4 from ``prometheus-client``, read back with the
library's own parser, on a lane that released a print; one registry per System; multiprocess mode."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from controller.ops.metrics import ProcessMetrics
from tests.conftest import make_pdf
from tests.rigs.server import LiveServer
from tests.rigs.wait import wait_for


def parse_exposition(text: str) -> dict[str, dict]:
    """The document read by ``prometheus_client``'s own parser: family name -> type and samples
    (a counter family is named without ``_total``, its samples with it)."""
    assert text.endswith("\n"), "the document must end with a newline"
    families: dict[str, dict] = {}
    for family in text_string_to_metric_families(text):
        assert family.name not in families, f"{family.name} declared twice"
        samples = [(s.name, dict(s.labels), s.value) for s in family.samples]
        families[family.name] = {"type": family.type, "samples": samples}
        if family.type == "histogram":
            check_histogram(family.name, samples)
    return families


def check_histogram(name: str, samples: list) -> None:
    series: dict[tuple, list] = {}
    for sample_name, labels, value in samples:
        key = tuple(sorted((k, v) for k, v in labels.items() if k != "le"))
        series.setdefault(key, []).append((sample_name, labels.get("le"), value))
    for key, rows in series.items():
        buckets = [(float(le), v) for n, le, v in rows if n.endswith("_bucket")]
        assert buckets and math.isinf(buckets[-1][0]), f"{name}{key}: no +Inf bucket"
        assert [b for b, _ in buckets] == sorted(b for b, _ in buckets)
        counts = [v for _, v in buckets]
        assert counts == sorted(counts), f"{name}{key}: buckets not cumulative"
        count = next(v for n, _, v in rows if n.endswith("_count"))
        assert counts[-1] == count


def value_of(families, name, **labels) -> float:
    for family in families.values():
        for sample_name, found, value in family["samples"]:
            if sample_name == name and all(found.get(k) == v for k, v in labels.items()):
                return value
    raise AssertionError(f"no {name} {labels}")


@pytest.fixture
def lane_with_a_release(build):
    system = build()
    with LiveServer(system) as server:
        office = system.office
        doc = office.create_document(kind="print", title="Metrics", pdf=make_pdf(1), actor="test")
        code = office.mark_ready(doc["id"], "test").code
        system.lane.on_read(code)
        system.lane.on_read("garbage")  # a read that is no code
        wait_for(lambda: system.lane.counters.outcomes.get("released") == 1)
        wait_for(lambda: system.lane.counters.malformed == 1)
        yield server, system


def test_metrics_from_loopback_in_the_text_format(lane_with_a_release):
    server, system = lane_with_a_release
    with server.client() as http:
        response = http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert "AMB1" not in response.text
    families = parse_exposition(response.text)
    print(response.text)
    assert value_of(families, "ambil_info", role="all-in-one") == 1
    assert value_of(families, "ambil_lane_reads_total", lane="lane-1") == 2
    assert value_of(families, "ambil_lane_malformed_total", lane="lane-1") == 1
    assert value_of(families, "ambil_lane_outcomes_total", lane="lane-1", outcome="released") == 1
    assert value_of(families, "ambil_release_latency_seconds_count", lane="lane-1", outcome="released") == 1
    latency = value_of(families, "ambil_release_latency_seconds_sum", lane="lane-1", outcome="released")
    assert 0 < latency < 20
    assert value_of(families, "ambil_device_state", device="printer", kind="printer") == 0
    assert value_of(families, "ambil_device_state", device="locker:A") == 0
    assert value_of(families, "ambil_office_claims", lane="lane-1", outcome="released") == 1
    assert value_of(families, "ambil_office_documents", state="released") == 1
    if getattr(system, "alerts", None) is not None:  # the fleet's alerts, where this tree has them
        assert families["ambil_alerts_raised"]["type"] == "counter"  # samples: ..._total


def test_a_device_in_trouble_shows_in_its_state_gauge(build):
    system = build(printer={"type": "sim", "paper": 0, "seconds_per_page": 0.02})
    with LiveServer(system) as server:
        wait_for(lambda: "printer" in system.lane.devices)
        with server.client() as http:
            families = parse_exposition(http.get("/metrics").text)
    state = value_of(families, "ambil_device_state", device="printer")
    assert (
        state == {"ok": 0, "warning": 1, "error": 2, "offline": 3}[str(system.lane.devices["printer"].state)]
    )
    assert state >= 1


def test_from_elsewhere_a_technician_key_is_needed(build):
    system = build(trust_loopback=False)
    with LiveServer(system) as server:
        keys = {role: system.office.create_api_key(role) for role in ("technician", "admin", "staff")}
        with server.client() as http:
            assert http.get("/metrics").status_code == 401
        for role, expected in (("technician", 200), ("admin", 200), ("staff", 403)):
            with server.client(keys[role]) as http:
                assert http.get("/metrics").status_code == expected, role


def test_each_system_counts_only_its_own_releases(build, tmp_path):
    # tests build many Systems in one process: none may share the library's global registry
    first, second = ProcessMetrics(), ProcessMetrics()
    first.observe_release("lane-1", "released", 0.4)
    first.observe_release("lane-1", "failed", 2.0)
    second.observe_release("lane-1", "released", 0.2)
    text = generate_latest(first.registry).decode()
    families = parse_exposition(text)
    assert value_of(families, "ambil_releases_total", lane="lane-1", outcome="released") == 1
    assert value_of(families, "ambil_release_latency_seconds_bucket", outcome="failed", le="2.5") == 1
    assert value_of(families, "ambil_release_latency_seconds_bucket", outcome="failed", le="1.0") == 0
    system = build()
    from controller.ops.metrics_collect import metrics_text

    families = parse_exposition(metrics_text(system).decode())
    assert families["ambil_releases"]["samples"] == []  # a new System has released nothing
    system.stop()


WORKER = textwrap.dedent(
    """
    import sys
    from controller.ops.metrics import ProcessMetrics
    ProcessMetrics().observe_release("lane-1", sys.argv[1], float(sys.argv[2]))
    """
)
SCRAPE = textwrap.dedent(
    """
    import sys
    from types import SimpleNamespace
    from controller.ops.metrics import ProcessMetrics
    from controller.ops.metrics_collect import metrics_text
    system = SimpleNamespace(
        config=SimpleNamespace(role="office"), office=None, engine=None, lane=None, alerts=None,
        metrics=ProcessMetrics(),
    )
    sys.stdout.write(metrics_text(system).decode())
    """
)


def test_several_processes_are_summed_in_multiprocess_mode(tmp_path):
    # two office workers record releases in their own processes; a third one answers the scrape
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PYTHONPATH": str(Path.cwd())}
    for outcome, seconds in (("released", "0.3"), ("released", "40")):
        subprocess.run([sys.executable, "-c", WORKER, outcome, seconds], env=env, check=True, timeout=60)
    scraped = subprocess.run(
        [sys.executable, "-c", SCRAPE], env=env, check=True, timeout=60, capture_output=True, text=True
    ).stdout
    families = parse_exposition(scraped)
    assert value_of(families, "ambil_info", role="office") == 1
    assert value_of(families, "ambil_releases_total", lane="lane-1", outcome="released") == 2
    assert value_of(families, "ambil_release_latency_seconds_count", outcome="released") == 2
    assert value_of(families, "ambil_release_latency_seconds_bucket", outcome="released", le="30.0") == 1
    # one process alone (no directory): only its own, i.e. none here
    alone = {k: v for k, v in env.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    scraped = subprocess.run(
        [sys.executable, "-c", SCRAPE], env=alone, check=True, timeout=60, capture_output=True, text=True
    ).stdout
    assert parse_exposition(scraped)["ambil_releases"]["samples"] == []
