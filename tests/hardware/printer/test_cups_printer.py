"""CupsPrinter against a real private cupsd (tests/rigs/cups_rig.py)."""

from __future__ import annotations

import itertools
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator

import pytest
from pypdf import PdfReader

from hardware.errors import DeviceOffline, PrinterError
from hardware.printer.cups_printer import CupsPrinter
from hardware.printer.interface import JobState
from hardware.status import DeviceState
from tests.rigs.cups_rig import CupsRig, free_port
from tests.rigs.wait import wait_for

_queue_numbers = itertools.count(1)


def claim_id() -> str:
    return f"claim-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def pdf_printer(cups_server: CupsRig) -> Iterator[CupsPrinter]:
    printer = CupsPrinter(cups_server.pdf_queue, server=cups_server.server, poll_interval=0.1)
    yield printer
    printer.close()


@pytest.fixture
def faulty(cups_server: CupsRig) -> Iterator[tuple[CupsRig, str, CupsPrinter]]:
    """A fresh queue on the fault backend (policy stop-printer), so faults never leak between tests."""
    queue = f"ambil-faulty-{next(_queue_numbers)}"
    cups_server.add_faulty_queue(queue)
    printer = CupsPrinter(queue, server=cups_server.server, poll_interval=0.1)
    yield cups_server, queue, printer
    printer.close()


def test_prints_a_pdf_through_cups_pdf_and_finds_it_by_name(cups_server, pdf_printer, pdf_file):
    name = claim_id()
    job_id = pdf_printer.submit(pdf_file(2), name)

    final = pdf_printer.wait_for_job(job_id, timeout=60)

    assert final.state is JobState.COMPLETED
    assert final.name == name
    output = cups_server.wait_for_job_file(cups_server.pdf_queue, job_id)
    assert len(PdfReader(output).pages) == 2
    found = pdf_printer.find_jobs(name)
    assert [(j.job_id, j.state) for j in found] == [(job_id, JobState.COMPLETED)]
    assert pdf_printer.find_jobs(claim_id()) == []


def test_a_job_knows_whether_it_ever_started(cups_server, faulty, pdf_file):
    # CUPS counts sheets as its filters send them, not as paper comes out: a started job that
    # shows no count may have printed anything, one that never started printed nothing
    rig, queue, printer = faulty
    subprocess.run(["cupsdisable", "-h", rig.server, queue], check=True, timeout=30)
    waiting = printer.submit(pdf_file(1), claim_id())
    time.sleep(0.5)  # the queue is disabled: however long we wait, the job cannot start
    assert printer.job(waiting).started is False
    printer.cancel(waiting)
    cancelled = printer.wait_for_job(waiting, timeout=30)
    assert (cancelled.state, cancelled.started, cancelled.nothing_out) == (JobState.CANCELLED, False, True)

    subprocess.run(["cupsenable", "-h", rig.server, queue], check=True, timeout=30)
    rig.set_fault(queue, ["media-empty"])
    done = printer.wait_for_job(printer.submit(pdf_file(1), claim_id()), timeout=30)
    assert (done.state, done.started, done.pages_exact) == (JobState.COMPLETED, True, False)
    assert not done.nothing_out


def test_healthy_queue_reports_ok_and_abort_job_policy(cups_server, pdf_printer):
    status = pdf_printer.status()

    assert status.state is DeviceState.OK, status
    assert status.reasons == []
    assert status.info["accepting_jobs"] is True
    assert status.info["error_policy"] == "abort-job"  # the rig created it with stop-printer


def test_media_empty_job_completes_but_printer_is_in_error(cups_server, pdf_file):
    # The brief's named queue; restored to clean at the end for whoever uses it next.
    printer = CupsPrinter(cups_server.faulty_queue, server=cups_server.server, poll_interval=0.1)
    try:
        cups_server.set_fault(cups_server.faulty_queue, ["media-empty"])
        job_id = printer.submit(pdf_file(1), claim_id())

        assert printer.wait_for_job(job_id, timeout=30).state is JobState.COMPLETED
        status = printer.status()
        assert status.state is DeviceState.ERROR
        assert "media-empty" in status.reasons
        assert status.info["paper"] == "empty"

        cups_server.clear_fault(cups_server.faulty_queue)
        job_id = printer.submit(pdf_file(1), claim_id())
        assert printer.wait_for_job(job_id, timeout=30).state is JobState.COMPLETED
        assert printer.status().state is DeviceState.OK
    finally:
        cups_server.clear_fault(cups_server.faulty_queue)
        printer.close()


@pytest.mark.parametrize(
    ("fault", "state", "reason"),
    [
        ("media-jam-error", DeviceState.ERROR, "media-jam"),
        ("toner-empty-error", DeviceState.ERROR, "toner-empty"),
        ("door-open-error", DeviceState.ERROR, "door-open"),
        ("toner-low-warning", DeviceState.WARNING, "toner-low"),
    ],
)
def test_backend_reasons_map_to_device_state(faulty, pdf_file, fault, state, reason):
    rig, queue, printer = faulty
    rig.set_fault(queue, [fault])

    job_id = printer.submit(pdf_file(1), claim_id())
    printer.wait_for_job(job_id, timeout=30)

    status = printer.status()
    assert status.state is state, status
    assert status.reasons == [reason]


def test_offline_printer_is_an_error_while_the_job_runs(faulty, pdf_file):
    # cupsd itself drops offline-report when the job ends, so look while it is processing.
    rig, queue, printer = faulty
    rig.set_fault(queue, ["offline-report"], delay=20)
    job_id = printer.submit(pdf_file(1), claim_id())

    def offline():
        status = printer.status()
        return status if "offline" in status.reasons else None

    try:
        # the job runs 20 s: look well within that (the timeout only bounds a failure)
        status = wait_for(offline, 15, interval=0.1, what="offline-report while the job runs")
        assert status.state is DeviceState.ERROR, status
        assert "offline" in status.reasons
        assert printer.job(job_id).state is JobState.PROCESSING
    finally:
        printer.cancel(job_id)


def test_failed_job_is_aborted_and_queue_keeps_printing(faulty, pdf_file):
    rig, queue, printer = faulty
    rig.set_fault(queue, [], exit_code=1)

    failed = printer.submit(pdf_file(1), claim_id())
    assert printer.wait_for_job(failed, timeout=30).state is JobState.ABORTED

    rig.clear_fault(queue)
    next_job = printer.submit(pdf_file(1), claim_id())
    assert printer.wait_for_job(next_job, timeout=30).state is JobState.COMPLETED
    assert rig.wait_for_job_file(queue, next_job).exists()
    assert printer.status().info["printer_state"] != "stopped"


def test_cancel_a_processing_job(faulty, pdf_file):
    rig, queue, printer = faulty
    rig.set_fault(queue, [], delay=20)
    job_id = printer.submit(pdf_file(1), claim_id())
    # cancel it mid-job (the job runs 20 s); a pending job would prove less
    wait_for(
        lambda: printer.job(job_id).state is JobState.PROCESSING, 15, interval=0.1, what="the job processing"
    )

    printer.cancel(job_id)

    assert printer.wait_for_job(job_id, timeout=15).state is JobState.CANCELLED
    printer.cancel(job_id)  # already finished: no error
    assert rig.output_files(queue) == []


def test_rejecting_queue_refuses_jobs(faulty, pdf_file):
    rig, queue, printer = faulty
    rig.lpadmin("-p", queue, "-o", "printer-is-accepting-jobs=false")
    with pytest.raises(PrinterError) as caught:
        printer.submit(pdf_file(1), claim_id())
    assert caught.value.reason == "not-accepting-jobs"
    status = printer.status()
    assert status.state is DeviceState.ERROR
    assert "not-accepting-jobs" in status.reasons


def test_unknown_job_is_a_printer_error(pdf_printer):
    with pytest.raises(PrinterError):
        pdf_printer.job(999_999)


def test_missing_queue_refuses_jobs_and_reports_error(cups_server, pdf_file):
    printer = CupsPrinter("no-such-queue", server=cups_server.server)
    try:
        with pytest.raises(PrinterError) as caught:
            printer.submit(pdf_file(1), claim_id())
        assert not isinstance(caught.value, DeviceOffline)
        assert caught.value.reason == "not-found"
        status = printer.status()
        assert status.state is DeviceState.ERROR
        assert status.reasons == ["queue-missing"]
    finally:
        printer.close()


def test_calls_from_many_threads_share_one_worker(cups_server, pdf_printer):
    errors: list[BaseException] = []
    states = []

    def hammer() -> None:
        try:
            for _ in range(5):
                states.append(pdf_printer.status().state)
                pdf_printer.find_jobs("nobody")
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert states == [DeviceState.OK] * 40


def test_unreachable_cupsd_is_offline(pdf_file):
    printer = CupsPrinter("ambil-pdf", server=f"127.0.0.1:{free_port()}", call_timeout=10)
    try:
        with pytest.raises(DeviceOffline):
            printer.submit(pdf_file(1), claim_id())
        with pytest.raises(DeviceOffline):
            printer.find_jobs("anything")
        with pytest.raises(DeviceOffline):
            printer.job(1)
        status = printer.status()
        assert status.state is DeviceState.OFFLINE
        assert status.reasons == ["cupsd-unreachable"]
    finally:
        printer.close()


def test_closed_printer_is_offline(pdf_file):
    printer = CupsPrinter("ambil-pdf", server=f"127.0.0.1:{free_port()}")
    printer.close()
    assert printer.status().state is DeviceState.OFFLINE
    with pytest.raises(DeviceOffline):
        printer.submit(pdf_file(1), claim_id())
