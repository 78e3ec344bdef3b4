"""``ambil bench release`` and ``footprint`` in small: real lane, sim devices, office over loopback HTTP."""

from __future__ import annotations

from tests.rigs.wait import wait_for
from web.cli.bench.release_bench import bench_release
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


def test_timed_printer_marks_submit_and_forgets_finished_jobs(tmp_path):
    from web.cli.bench.release_bench import TimedPrinter, _Stopwatch, blank_pdf

    pdf = tmp_path / "doc.pdf"
    pdf.write_bytes(blank_pdf())
    stopwatch = _Stopwatch()
    printer = TimedPrinter(stopwatch, outbox=tmp_path / "out", seconds_per_page=0.0)
    try:
        ids = [printer.submit(pdf, f"claim-{i}") for i in range(3)]
        assert stopwatch.event.is_set() and stopwatch.at is not None
        wait_for(lambda: all(printer.job(i).state.final for i in ids), what="the three jobs finished")
        printer.forget_finished()
        assert [job.job_id for job in printer.jobs] == [ids[-1]]
        assert printer.submit(pdf, "claim-next") == ids[-1] + 1  # job ids keep counting up
    finally:
        printer.close()
