"""``GET /metrics``: Prometheus text format 0.0.4, parsed strictly, on a lane that released a print."""

from __future__ import annotations

import math
import re

import pytest

from controller.ops.metrics import Counter, Histogram, render
from tests.conftest import make_pdf
from tests.rigs.server import LiveServer
from tests.rigs.wait import wait_for

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\\\|\\"|\\n)*"'
SAMPLE = re.compile(rf"^({NAME})(?:\{{((?:{LABEL})(?:,{LABEL})*)?\}})? (\S+)$")
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


def parse_exposition(text: str) -> dict[str, dict]:
    """A strict reader of the text format: every sample belongs to a declared family."""
    assert text.endswith("\n"), "the document must end with a newline"
    families: dict[str, dict] = {}
    current = None
    for line in text.splitlines():
        if not line:
            continue
        if line.startswith("# HELP "):
            name = line.split(" ", 3)[2]
            assert name not in families, f"{name} declared twice"
            families[name] = {"type": None, "samples": []}
            current = name
        elif line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            assert name == current and kind in TYPES, line
            families[name]["type"] = kind
        else:
            match = SAMPLE.match(line)
            assert match, f"not a sample line: {line!r}"
            name, labels, value = match.groups()
            base = (
                re.sub(r"_(bucket|sum|count)$", "", name)
                if families.get(current, {}).get("type") == ("histogram")
                else name
            )
            assert base == current, f"{name} outside its family block ({current})"
            parsed = dict(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', labels or ""))
            number = float(value.replace("+Inf", "inf").replace("-Inf", "-inf"))
            families[current]["samples"].append((name, parsed, number))
    for name, family in families.items():
        assert family["type"], f"{name} has no TYPE"
        if family["type"] == "histogram":
            check_histogram(name, family["samples"])
    return families


def check_histogram(name: str, samples: list) -> None:
    series: dict[tuple, list] = {}
    for sample_name, labels, value in samples:
        key = tuple(sorted((k, v) for k, v in labels.items() if k != "le"))
        series.setdefault(key, []).append((sample_name, labels.get("le"), value))
    for key, rows in series.items():
        buckets = [(float(le.replace("+Inf", "inf")), v) for n, le, v in rows if n.endswith("_bucket")]
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
        assert families["ambil_alerts_raised_total"]["type"] == "counter"


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


def test_the_primitives_render_what_the_parser_accepts():
    counter = Counter("x_total", "A count\nwith a newline.", ("a",))
    counter.inc(a='quote " and \\ back')
    histogram = Histogram("y_seconds", "Times.", ("a",), buckets=(0.1, 1.0))
    for value in (0.05, 0.5, 5.0):
        histogram.observe(value, a="b")
    families = parse_exposition(render([counter.family(), histogram.family()]))
    assert value_of(families, "x_total", a='quote \\" and \\\\ back') == 1
    assert value_of(families, "y_seconds_bucket", a="b", le="0.1") == 1
    assert value_of(families, "y_seconds_bucket", a="b", le="1") == 2
    assert value_of(families, "y_seconds_bucket", a="b", le="+Inf") == 3
    with pytest.raises(ValueError):
        counter.inc(-1, a="x")
