"""Prometheus metrics of one ambil process, on ``prometheus-client`` (the library Prometheus users
know), exposed in the text format 0.0.4 by ``metrics_collect.metrics_text``.

Events that happen once (a release and how long it took from the read) are recorded as they
happen, in a ``CollectorRegistry`` of the System's own (never the library's global default
registry: tests build many Systems in one process, and each must count only its own releases).
What a running System already knows (lane counters, device states, office claims) is read at
scrape time by the collectors of ``metrics_collect``.

Several office processes (``PROMETHEUS_MULTIPROC_DIR`` set before ambil starts): the library then
keeps every counter and histogram in files in that directory, one per process, and a scrape sums
them with ``prometheus_client.multiprocess.MultiProcessCollector`` (README, "Operating").
"""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Histogram

# the text format 0.0.4, which every Prometheus reads (``generate_latest`` writes it)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# seconds from read to outcome: a refusal takes tens of ms, a locker a second, a print minutes
RELEASE_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)
DEVICE_STATE_VALUES = {"ok": 0, "warning": 1, "error": 2, "offline": 3}
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def multiprocess_dir() -> str | None:
    """The directory the office processes share their metrics in, or None (one process)."""
    return os.environ.get(MULTIPROC_ENV) or None


class ProcessMetrics:
    """What one ambil process records as it happens (the rest is read at scrape time).

    A collector (``collect``) of its own registry, so a scrape can gather it with the
    scrape-time collectors into one document.
    """

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.release_latency = Histogram(
            "ambil_release_latency_seconds",
            "Time from a code being read to the release outcome, per lane and outcome.",
            ("lane", "outcome"),
            buckets=RELEASE_BUCKETS,
            registry=self.registry,
        )
        self.releases = Counter(
            "ambil_releases",
            "Release attempts finished by the lane, per outcome.",
            ("lane", "outcome"),
            registry=self.registry,
        )

    def observe_release(self, lane_id: str, outcome: str, seconds: float) -> None:
        """A release finished with ``outcome`` ``seconds`` after its read (the lane's listener)."""
        self.release_latency.labels(lane=lane_id, outcome=outcome).observe(max(0.0, seconds))
        self.releases.labels(lane=lane_id, outcome=outcome).inc()

    def collect(self):
        return self.registry.collect()
