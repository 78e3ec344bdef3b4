"""Prometheus metrics kept in-process, written in the text exposition format 0.0.4.

No extra package: a counter and a histogram with labels are a few lines each. Events that happen
once (a release and how long it took from the read) are recorded as they happen; what a running
System already knows (lane counters, device states, office claims) is read at scrape time.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Iterable, Sequence

log = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# seconds from read to outcome: a refusal takes tens of ms, a locker a second, a print minutes
RELEASE_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)
DEVICE_STATE_VALUES = {"ok": 0, "warning": 1, "error": 2, "offline": 3}


def escape_label(value: object) -> str:
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def format_value(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def sample(name: str, labels: dict[str, object], value: float) -> str:
    if not labels:
        return f"{name} {format_value(value)}"
    inner = ",".join(f'{key}="{escape_label(val)}"' for key, val in labels.items())
    return f"{name}{{{inner}}} {format_value(value)}"


class MetricFamily:
    """One metric name: its HELP, TYPE and samples, written as one block."""

    def __init__(self, name: str, kind: str, help_text: str):
        self.name = name
        self.kind = kind
        self.help = help_text
        self.lines: list[str] = []

    def add(self, value: float, suffix: str = "", **labels: object) -> MetricFamily:
        self.lines.append(sample(self.name + suffix, labels, value))
        return self

    def render(self) -> str:
        help_text = self.help.replace("\\", "\\\\").replace("\n", "\\n")
        head = [f"# HELP {self.name} {help_text}", f"# TYPE {self.name} {self.kind}"]
        return "\n".join(head + self.lines)


class Counter:
    """A monotonic count per label set (thread-safe)."""

    def __init__(self, name: str, help_text: str, labelnames: Sequence[str] = ()):
        self.name, self.help, self.labelnames = name, help_text, tuple(labelnames)
        self._values: dict[tuple, float] = {}
        self._lock = threading.Lock()

    def inc(self, amount: float = 1.0, **labels: object) -> None:
        if amount < 0:
            raise ValueError("a counter only goes up")
        key = tuple(str(labels[name]) for name in self.labelnames)
        with self._lock:
            self._values[key] = self._values.get(key, 0.0) + amount

    def value(self, **labels: object) -> float:
        return self._values.get(tuple(str(labels[name]) for name in self.labelnames), 0.0)

    def family(self) -> MetricFamily:
        family = MetricFamily(self.name, "counter", self.help)
        with self._lock:
            for key, value in sorted(self._values.items()):
                family.add(value, **dict(zip(self.labelnames, key, strict=True)))
        return family


class Histogram:
    """Observations in cumulative buckets per label set (thread-safe)."""

    def __init__(
        self,
        name: str,
        help_text: str,
        labelnames: Sequence[str] = (),
        buckets: Iterable[float] = RELEASE_BUCKETS,
    ):
        self.name, self.help, self.labelnames = name, help_text, tuple(labelnames)
        self.buckets = tuple(sorted(buckets))
        self._series: dict[tuple, list] = {}  # key -> [bucket counts..., sum, count]
        self._lock = threading.Lock()

    def observe(self, value: float, **labels: object) -> None:
        key = tuple(str(labels[name]) for name in self.labelnames)
        with self._lock:
            series = self._series.setdefault(key, [0] * len(self.buckets) + [0.0, 0])
            for index, bound in enumerate(self.buckets):
                if value <= bound:
                    series[index] += 1
            series[-2] += value
            series[-1] += 1

    def count(self, **labels: object) -> int:
        series = self._series.get(tuple(str(labels[name]) for name in self.labelnames))
        return series[-1] if series else 0

    def family(self) -> MetricFamily:
        family = MetricFamily(self.name, "histogram", self.help)
        with self._lock:
            for key, series in sorted(self._series.items()):
                labels = dict(zip(self.labelnames, key, strict=True))
                for bound, count in zip(self.buckets, series, strict=False):
                    family.add(count, "_bucket", **labels, le=format_value(bound))
                family.add(series[-1], "_bucket", **labels, le="+Inf")
                family.add(series[-2], "_sum", **labels)
                family.add(series[-1], "_count", **labels)
        return family


class ProcessMetrics:
    """What one ambil process records as it happens (the rest is read at scrape time)."""

    def __init__(self) -> None:
        self.release_latency = Histogram(
            "ambil_release_latency_seconds",
            "Time from a code being read to the release outcome, per lane and outcome.",
            ("lane", "outcome"),
        )
        self.releases = Counter(
            "ambil_releases_total", "Release attempts finished by the lane, per outcome.", ("lane", "outcome")
        )

    def observe_release(self, lane_id: str, outcome: str, seconds: float) -> None:
        self.release_latency.observe(max(0.0, seconds), lane=lane_id, outcome=outcome)
        self.releases.inc(lane=lane_id, outcome=outcome)

    def families(self) -> list[MetricFamily]:
        return [self.release_latency.family(), self.releases.family()]


def render(families: Iterable[MetricFamily]) -> str:
    """The exposition text: one block per family that has samples, ending in a newline."""
    blocks = [family.render() for family in families if family.lines]
    return "\n".join(blocks) + "\n"
