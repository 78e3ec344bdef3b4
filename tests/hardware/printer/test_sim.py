"""SimPrinter: prints to its outbox, runs out of paper like a real printer, survives a kill -9."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from hardware.errors import DeviceOffline, PrinterError
from hardware.printer.interface import JobState
from hardware.printer.sim import SimPrinter
from hardware.status import DeviceState
from tests.rigs.wait import wait_for

REPO = Path(__file__).resolve().parents[3]


def wait_state(printer: SimPrinter, job_id: int, state: JobState) -> None:
    wait_for(
        lambda: printer.job(job_id).state is state,
        what=lambda: f"job {job_id} {state} (now {printer.job(job_id).state})",
    )


def print_another(printer: SimPrinter, pdf: Path) -> int:
    """Print one more job to the end: the engine has then gone past every job queued before it."""
    job_id = printer.submit(pdf, "claim-marker")
    wait_state(printer, job_id, JobState.COMPLETED)
    return job_id


@pytest.fixture
def outbox(tmp_path: Path) -> Path:
    return tmp_path / "outbox"


@pytest.fixture
def make_printer(outbox: Path) -> Iterator[Callable[..., SimPrinter]]:
    printers: list[SimPrinter] = []

    def make(**options) -> SimPrinter:
        options.setdefault("seconds_per_page", 0.01)
        printer = SimPrinter(outbox=outbox, **options)
        printers.append(printer)
        return printer

    yield make
    for printer in printers:
        printer.close()


def test_prints_into_the_outbox(make_printer, pdf_file):
    printer = make_printer()
    source = pdf_file(2)

    job_id = printer.submit(source, "claim-1")
    wait_state(printer, job_id, JobState.COMPLETED)

    job = printer.job(job_id)
    assert (job.name, job.pages_done) == ("claim-1", 2)
    [output] = printer.printed
    assert output.read_bytes() == source.read_bytes()
    assert len(PdfReader(output).pages) == 2
    assert [j.job_id for j in printer.find_jobs("claim-1")] == [job_id]
    assert printer.find_jobs("claim-2") == []
    assert printer.status().state is DeviceState.OK


def test_jobs_print_one_after_another(make_printer, pdf_file):
    printer = make_printer(paper=10)
    first = printer.submit(pdf_file(2), "claim-a")
    second = printer.submit(pdf_file(3), "claim-b")

    wait_state(printer, second, JobState.COMPLETED)

    assert printer.job(first).state is JobState.COMPLETED
    assert printer.paper == 5
    assert len(printer.printed) == 2


def test_paper_runs_out_mid_job_then_refill_resumes(make_printer, pdf_file):
    printer = make_printer(paper=1, seconds_per_page=0.02)

    job_id = printer.submit(pdf_file(3), "claim-1")
    wait_state(printer, job_id, JobState.STOPPED)

    stopped = printer.job(job_id)
    assert stopped.pages_done == 1
    status = printer.status()
    assert status.state is DeviceState.ERROR
    assert status.reasons == ["media-empty"]
    assert printer.paper == 0
    assert printer.printed == []

    printer.set_paper(5)
    wait_state(printer, job_id, JobState.COMPLETED)

    assert printer.job(job_id).pages_done == 3
    assert printer.paper == 3
    assert printer.status().state is DeviceState.OK
    assert len(printer.printed) == 1


def test_tray_reads_empty_right_after_the_last_sheet(make_printer, pdf_file):
    printer = make_printer(paper=2)

    job_id = printer.submit(pdf_file(2), "claim-1")
    wait_for(lambda: printer.job(job_id).state is JobState.COMPLETED)

    job = printer.job(job_id)
    assert (job.pages_done, job.pages_exact, job.started, job.nothing_out) == (2, True, True, False)
    assert len(printer.printed) == 1  # the job came out whole...
    status = printer.status()
    assert (status.state, status.reasons) == (DeviceState.ERROR, ["media-empty"])  # ...and the tray is empty


def test_counts_are_exact_and_a_job_stopped_before_its_first_sheet_printed_nothing(make_printer, pdf_file):
    printer = make_printer(paper=0)
    job_id = printer.submit(pdf_file(1), "claim-1")
    assert printer.job(job_id).started is False
    wait_for(lambda: printer.job(job_id).state is JobState.STOPPED)
    printer.cancel(job_id)

    job = printer.job(job_id)
    assert (job.state, job.pages_done, job.pages_exact, job.nothing_out) == (
        JobState.CANCELLED,
        0,
        True,
        True,
    )


def test_refuse_next_submit_queues_nothing(make_printer, pdf_file):
    printer = make_printer()
    printer.refuse_next_submit("document-format-error")

    with pytest.raises(PrinterError) as refused:
        printer.submit(pdf_file(1), "claim-1")
    assert refused.value.reason == "document-format-error"
    assert printer.jobs == [] and printer.find_jobs("claim-1") == []
    job_id = printer.submit(pdf_file(1), "claim-1")  # only the next one was refused
    wait_for(lambda: printer.job(job_id).state is JobState.COMPLETED)


def test_cancel_a_stopped_job(make_printer, pdf_file):
    printer = make_printer(paper=0)
    assert printer.status().reasons == ["media-empty"]  # an empty tray shows before any job
    job_id = printer.submit(pdf_file(1), "claim-1")
    wait_state(printer, job_id, JobState.STOPPED)

    printer.cancel(job_id)
    printer.cancel(job_id)  # already final: no error

    assert printer.job(job_id).state is JobState.CANCELLED
    printer.set_paper(3)
    marker = print_another(printer, pdf_file(1))  # the engine has run with paper in: no resume
    assert printer.job(job_id).state is JobState.CANCELLED
    assert printer.printed == [printer.outbox / f"job-{marker}.pdf"]
    assert printer.paper == 2  # the marker's one page


def test_blocking_reason_stops_and_warning_does_not(make_printer, pdf_file):
    printer = make_printer()
    printer.add_reason("media-jam")
    job_id = printer.submit(pdf_file(1), "claim-1")
    wait_state(printer, job_id, JobState.STOPPED)
    assert printer.status().state is DeviceState.ERROR

    printer.clear_reason("media-jam")
    printer.add_reason("toner-low")
    wait_state(printer, job_id, JobState.COMPLETED)
    status = printer.status()
    assert (status.state, status.reasons) == (DeviceState.WARNING, ["toner-low"])


def test_offline_printer_refuses_calls_and_holds_jobs(make_printer, pdf_file):
    printer = make_printer(seconds_per_page=0.05)
    job_id = printer.submit(pdf_file(2), "claim-1")
    printer.set_offline(True)

    assert printer.status().state is DeviceState.OFFLINE
    with pytest.raises(DeviceOffline):
        printer.submit(pdf_file(1), "claim-2")
    with pytest.raises(DeviceOffline):
        printer.find_jobs("claim-1")
    # offline holds the job: twice its printing time, which a busy machine only makes weaker
    time.sleep(0.2)
    assert printer.printed == []

    printer.set_offline(False)
    wait_state(printer, job_id, JobState.COMPLETED)


def test_errors_for_bad_input(make_printer, tmp_path):
    printer = make_printer()
    not_pdf = tmp_path / "note.pdf"
    not_pdf.write_text("hello")
    with pytest.raises(PrinterError):
        printer.submit(not_pdf, "claim-1")
    with pytest.raises(PrinterError):
        printer.submit(tmp_path / "missing.pdf", "claim-1")
    with pytest.raises(PrinterError):
        printer.job(42)


def test_jobs_survive_a_new_instance(make_printer, outbox, pdf_file):
    first = make_printer()
    job_id = first.submit(pdf_file(2), "claim-1")
    wait_state(first, job_id, JobState.COMPLETED)
    first.close()

    second = make_printer()
    [found] = second.find_jobs("claim-1")
    assert (found.job_id, found.state, found.pages_done) == (job_id, JobState.COMPLETED, 2)
    assert second.submit(pdf_file(1), "claim-2") == job_id + 1
    assert len(json.loads((outbox / "jobs.json").read_text())["jobs"]) == 2


def test_job_is_reported_as_last_recorded_after_kill_9(outbox, pdf_file):
    source = pdf_file(50)
    script = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        from hardware.printer.sim import SimPrinter
        printer = SimPrinter(outbox=Path({str(outbox)!r}), seconds_per_page=0.05)
        job_id = printer.submit(Path({str(source)!r}), "claim-crash")
        while printer.job(job_id).pages_done < 2:
            time.sleep(0.01)
        print("printing", flush=True)
        time.sleep(60)
        """
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert child.stdout.readline().strip() == "printing"  # kill at once: 2 of 50 pages out
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)

    recorded = json.loads((outbox / "jobs.json").read_text())["jobs"][0]
    printer = SimPrinter(outbox=outbox, seconds_per_page=0.01)
    try:
        [job] = printer.find_jobs("claim-crash")
        assert job.state is JobState.PROCESSING
        assert job.pages_done == recorded["pages_done"] >= 2
        assert job.pages_done < 50
        marker = print_another(printer, pdf_file(1))  # the new engine runs, past the old job
        assert printer.job(job.job_id).pages_done == job.pages_done  # not resumed by the new process
        assert printer.printed == [outbox / f"job-{marker}.pdf"]
    finally:
        printer.close()


def test_jam_after_a_given_sheet_stops_the_job_until_cleared(make_printer, pdf_file):
    printer = make_printer()
    printer.jam_after(2)  # the second sheet comes out, then the printer jams

    job_id = printer.submit(pdf_file(4), "claim-jam")
    wait_state(printer, job_id, JobState.STOPPED)

    assert printer.job(job_id).pages_done == 2
    assert "media-jam" in printer.status().reasons
    printer.clear_reason("media-jam")  # staff clear the jam: the job goes on to its end
    wait_state(printer, job_id, JobState.COMPLETED)
    assert printer.job(job_id).pages_done == 4
