"""``ambil bench release`` and ``footprint`` in small: real lane, sim devices, office over loopback HTTP."""

from __future__ import annotations

from controller.bench.release_bench import bench_release
from web.cli.bench_commands import serve_on_loopback


def test_release_bench_times_relay_and_print_in_process_and_over_http():
    lines = []
    result = bench_release(
        3, modes=("all-in-one", "loopback-http"), serve=serve_on_loopback, out=lines.append
    )
    for mode in ("all-in-one", "loopback-http"):
        for what in ("relay", "print"):
            row = result["modes"][mode][what]
            assert row["n"] == 3 and 0 < row["p50_ms"] <= row["p95_ms"] <= row["p99_ms"] <= row["max_ms"]
    assert len(result["targets"]) == 4 and any("decoded -> relay energised" in line for line in lines)
