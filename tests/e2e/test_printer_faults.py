"""Printer faults through a real cupsd and its fault-injecting test backend (DESIGN 5, "Failed vs
not confirmed").

CUPS counts sheets as its filters send them, not as paper comes out, so a job that ran and then
shows a fault may have printed any part of itself: the lane says "not confirmed, staff will
check", the printer's reason reaches the journal and the device state, and the pickup waits for
staff instead of printing a second copy. A job that never started printed nothing: that one
fails, and the same code prints again once the printer is back.
"""

from __future__ import annotations

import subprocess

import pytest

from hardware.printer.cups_printer import CupsPrinter
from tests.conftest import make_pdf
from tests.rigs.server import LiveServer
from tests.rigs.wait import wait_for
from web.i18n.lane_screen import more_texts

FAULTS = [
    # (backend reasons, exit code, delay s, reason in the device state or the journal)
    (["media-empty"], 0, 0, "media-empty"),
    (["media-jam"], 0, 0, "media-jam"),
    (["toner-empty"], 0, 0, "toner-empty"),
    (["door-open"], 0, 0, "door-open"),
    (["offline-report"], 0, 15, "offline"),
    ([], 1, 0, None),
]


@pytest.mark.parametrize(
    ("reasons", "exit_code", "delay", "device_reason"), FAULTS, ids=[f[3] or "aborted" for f in FAULTS]
)
def test_a_fault_after_the_job_ran_is_not_confirmed_and_waits_for_staff(
    build, cups_server, reasons, exit_code, delay, device_reason
):
    queue = f"ambil-ran-{device_reason or 'aborted'}"
    cups_server.add_faulty_queue(queue)
    cups_server.set_fault(queue, reasons, exit_code=exit_code, delay=delay)
    system = build(
        printer={"type": "cups", "queue": queue, "server": cups_server.server},
        result_seconds=60.0,
        print_timeout=60.0,
    )
    lane = system.lane
    seen = []
    lane.screen.subscribe(seen.append)
    with LiveServer(system):
        office = system.office
        doc = office.create_document(kind="print", title="Akta", pdf=make_pdf(1), actor="t")
        lane.simulate_scan(text=office.mark_ready(doc["id"], "t").code)
        wait_for(lambda: any(v.state == "problem" for v in seen), 45, what="the problem on the screen")
        problem = next(v for v in seen if v.state == "problem")
        assert problem.reason == "print.not_confirmed", (problem.reason, problem.detail)
        assert "petugas" in more_texts(problem.to_dict())[0] and "staff" in more_texts(problem.to_dict())[1]
        wait_for(lambda: not lane.journal.unreported(), 10, what="outcome reported")
        (release,) = lane.journal.recent(1)
        assert release.outcome == "uncertain", release.detail
        assert office.get_document(doc["id"])["state"] == "uncertain"  # staff check the tray
        if device_reason:
            assert device_reason in release.detail  # what staff and the technician need to know
            if device_reason != "offline":  # cupsd drops offline-report once the job ends
                lane.poll_devices()
                printer = lane.status()["devices"]["printer"]
                assert device_reason in printer["reasons"] and printer["state"] == "error"
    cups_server.clear_fault(queue)


class PausedAfterTheReadinessCheck(CupsPrinter):
    """The queue is paused between the lane's readiness check and its submit (a technician, or
    cupsd stopping it): the job is queued but never starts."""

    def __init__(self, rig, queue: str):
        super().__init__(queue, server=rig.server, poll_interval=0.1)
        self.rig = rig
        self.pause_next = True

    def submit(self, pdf, job_name: str) -> int:
        if self.pause_next:
            self.pause_next = False
            subprocess.run(["cupsdisable", "-h", self.rig.server, self.queue], check=True, timeout=30)
        return super().submit(pdf, job_name)


def test_a_job_that_never_started_fails_and_the_controlled_reprint_works(build, cups_server):
    queue = "ambil-never-started"
    cups_server.add_faulty_queue(queue)
    printer = PausedAfterTheReadinessCheck(cups_server, queue)
    system = build(drivers={"printer": printer}, print_timeout=3.0, dedupe_seconds=0.2, result_seconds=0.3)
    lane = system.lane
    with LiveServer(system):
        office = system.office
        doc = office.create_document(kind="print", title="Akta", pdf=make_pdf(1), actor="t")
        code = office.mark_ready(doc["id"], "t").code
        lane.simulate_scan(text=code)
        wait_for(
            lambda: lane.journal.recent(1) and lane.journal.recent(1)[0].stage == "done", 30, what="done"
        )
        (release,) = lane.journal.recent(1)
        assert release.outcome == "failed", release.detail  # past the timeout, cancelled unstarted
        assert "never started" in release.detail
        (job,) = printer.find_jobs(release.claim_id)
        assert job.state == "cancelled"
        wait_for(lambda: not lane.journal.unreported(), 10, what="outcome reported")
        assert office.get_document(doc["id"])["state"] == "ready"  # claimable again

        subprocess.run(["cupsenable", "-h", cups_server.server, queue], check=True, timeout=30)
        lane.poll_devices()
        wait_for(lambda: lane.screen.view.state == "ready", 10, what="the lane ready again")
        lane.simulate_scan(text=code)
        wait_for(lambda: office.get_document(doc["id"])["state"] == "released", 30, what="the reprint")
        assert len(cups_server.output_files(queue)) == 1  # one copy in all
