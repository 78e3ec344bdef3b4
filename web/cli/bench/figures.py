"""Counting reads and timings for the benchmarks: a tally per group, percentiles, target checks."""

from __future__ import annotations

import math
from dataclasses import dataclass, field


def percentile(values: list[float], fraction: float) -> float:
    """The ``fraction`` (0-1) percentile by linear interpolation between closest ranks; nan when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass
class Tally:
    """Reads of one reader over one group of images: right, wrong, none, and the time of each."""

    read: int = 0
    wrong: int = 0
    total: int = 0
    seconds: list[float] = field(default_factory=list)

    def add(self, *, correct: bool, wrong: bool, seconds: float) -> None:
        self.read += correct
        self.wrong += wrong
        self.total += 1
        self.seconds.append(seconds)

    def merge(self, other: Tally) -> None:
        self.read += other.read
        self.wrong += other.wrong
        self.total += other.total
        self.seconds.extend(other.seconds)

    def row(self) -> dict:
        """The figures: counts, percent read, median / p95 / mean milliseconds per image."""
        ms = [s * 1000 for s in self.seconds]
        return {
            "read": self.read,
            "wrong": self.wrong,
            "images": self.total,
            "percent": round(100.0 * self.read / self.total, 1) if self.total else 0.0,
            "median_ms": round(percentile(ms, 0.5), 2),
            "p95_ms": round(percentile(ms, 0.95), 2),
            "mean_ms": round(sum(ms) / len(ms), 2) if ms else math.nan,
        }


def latency_row(seconds: list[float]) -> dict:
    """p50 / p95 / p99 / max in milliseconds over a list of durations in seconds."""
    ms = [s * 1000 for s in seconds]
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 0.5), 2),
        "p95_ms": round(percentile(ms, 0.95), 2),
        "p99_ms": round(percentile(ms, 0.99), 2),
        "max_ms": round(max(ms), 2) if ms else math.nan,
    }


@dataclass(frozen=True)
class Target:
    """One target of issue 7 and how the run did: ``value`` against ``limit`` (``at_most`` or at least)."""

    name: str
    value: float
    limit: float
    at_most: bool
    unit: str = ""

    @property
    def met(self) -> bool:
        if math.isnan(self.value):
            return False
        return self.value <= self.limit if self.at_most else self.value >= self.limit

    def line(self) -> str:
        relation = "<=" if self.at_most else ">="
        head = f"{self.name}: {self.value:g}{self.unit} (target {relation} {self.limit:g}{self.unit})"
        if self.met:
            return f"{head}  ok"
        return f"{head}  MISSED by {abs(self.value - self.limit):.3g}{self.unit}"

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "value": self.value,
            "limit": self.limit,
            "at_most": self.at_most,
            "met": self.met,
        }
