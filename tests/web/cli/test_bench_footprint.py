"""``ambil bench footprint`` in small: a real lane process (role lane) on a looping synthetic camera,
talking to an office process over HTTP."""

from __future__ import annotations

from web.cli.bench.footprint import bench_footprint


def test_footprint_reports_memory_and_time_to_ready():
    result = bench_footprint(frames=60, out=lambda line: None)
    assert result["frames"] >= 60
    assert 0 < result["ready_s"] < 30
    assert 20 < result["rss_ready_mb"] <= result["rss_after_mb"] + 50
    assert result["rss_peak_mb"] >= result["rss_after_mb"]
    assert [t["name"] for t in result["targets"]] == [
        "time from start to ready",
        "resident memory after the frames",
    ]
