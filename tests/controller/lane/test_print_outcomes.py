"""Failed vs not confirmed (DESIGN 5), on the simulated printer with the real office on SQLite.

``failed`` (the pickup is claimable again) only when nothing can have come out: the job was
refused, or cancelled or aborted before its first sheet. A job that completed, or printed some
sheets, and then shows a printer error, or that ran past its timeout, is ``uncertain``: staff
check the tray, and a second showing of the code prints nothing.
"""

from __future__ import annotations

from hardware.printer.interface import JobState
from tests.controller.lane.conftest import issue_print, past_repeat_window, wait_done
from tests.rigs.server import wait_for
from web.i18n.lane_screen import more_texts


def _show_again(lane, code: str, count: int):
    past_repeat_window(lane)  # a second showing, not a repeat read
    lane.simulate_scan(text=code)
    return wait_done(lane, count, timeout=15)[-1]


def _assert_staff_will_check(lane):
    view = lane.screen.view
    assert (view.state, view.reason) == ("problem", "print.not_confirmed")
    assert (
        "petugas" in more_texts(view.to_dict())[0].lower()
        and "staff" in more_texts(view.to_dict())[1].lower()
    )
    assert "scan" not in more_texts(view.to_dict())[1].lower()  # scanning again cannot help: staff must check


def test_tray_empty_right_after_the_last_sheet_is_uncertain_and_never_printed_twice(make_system):
    # three sheets for three pages: the tray sensor reads empty as the job completes
    system = make_system(printer={"type": "sim", "seconds_per_page": 0.02, "paper": 3}, dedupe_seconds=0.2)
    lane, office = system.lane, system.office
    doc_id, code = issue_print(office, pages=3)
    lane.simulate_scan(text=code)
    (release,) = wait_done(lane)
    assert release.outcome == "uncertain", release.detail
    assert len(lane.printer.printed) == 1  # the copy did come out, whole
    _assert_staff_will_check(lane)
    wait_for(lambda: not lane.journal.unreported(), what="outcome reported")
    assert office.get_document(doc_id)["state"] == "uncertain"  # staff check, not a reprint
    lane.printer.set_paper(10)  # someone refills the tray
    again = _show_again(lane, code, 2)
    assert again.outcome == "refused" and "code.already_released" in again.detail
    assert len(lane.printer.printed) == 1 and len(lane.printer.jobs) == 1  # no second copy


def test_print_timeout_mid_job_cancels_it_and_is_uncertain(make_system):
    # ten pages at 0.2 s each cannot finish within 1.1 s: about five are out at the deadline
    system = make_system(
        printer={"type": "sim", "seconds_per_page": 0.2}, print_timeout=1.1, dedupe_seconds=0.2
    )
    lane, office = system.lane, system.office
    doc_id, code = issue_print(office, pages=10)
    lane.simulate_scan(text=code)
    (release,) = wait_done(lane, timeout=15)
    assert release.outcome == "uncertain", release.detail
    (job,) = lane.printer.jobs
    assert job.state is JobState.CANCELLED  # cancelled first: it never resumes on its own
    assert 0 < job.pages_done < 10, job
    _assert_staff_will_check(lane)
    wait_for(lambda: not lane.journal.unreported(), what="outcome reported")
    assert office.get_document(doc_id)["state"] == "uncertain"
    again = _show_again(lane, code, 2)
    assert again.outcome == "refused" and "code.already_released" in again.detail
    assert len(lane.printer.jobs) == 1 and lane.printer.printed == []  # no reprint


def test_paper_out_after_the_first_sheet_is_uncertain(make_system):
    system = make_system(printer={"type": "sim", "seconds_per_page": 0.02, "paper": 1}, dedupe_seconds=0.2)
    lane, office = system.lane, system.office
    doc_id, code = issue_print(office, pages=3)
    lane.simulate_scan(text=code)
    (release,) = wait_done(lane)
    assert release.outcome == "uncertain", release.detail
    (job,) = lane.printer.jobs
    assert (job.state, job.pages_done) == (JobState.CANCELLED, 1)
    assert "media-empty" in release.detail  # what staff need to know
    _assert_staff_will_check(lane)
    wait_for(lambda: not lane.journal.unreported(), what="outcome reported")
    assert office.get_document(doc_id)["state"] == "uncertain"


def test_a_job_refused_at_submit_fails_and_the_controlled_reprint_works(make_system):
    system = make_system(dedupe_seconds=0.2)
    lane, office = system.lane, system.office
    doc_id, code = issue_print(office, pages=2)
    lane.printer.refuse_next_submit("document-format-error")
    lane.simulate_scan(text=code)
    (release,) = wait_done(lane)
    assert release.outcome == "failed", release.detail
    view = lane.screen.view
    assert view.state == "problem" and "scan" in more_texts(view.to_dict())[1].lower()  # try again
    wait_for(lambda: not lane.journal.unreported(), what="failure reported")
    assert office.get_document(doc_id)["state"] == "ready"  # claimable again
    again = _show_again(lane, code, 2)
    assert again.outcome == "released", again.detail
    assert len(lane.printer.printed) == 1


def test_a_job_cancelled_before_its_first_sheet_fails_and_the_controlled_reprint_works(make_system):
    # an empty tray: the job stops before any sheet, the lane cancels it after the fault grace
    system = make_system(printer={"type": "sim", "seconds_per_page": 0.02, "paper": 0}, dedupe_seconds=0.2)
    lane, office = system.lane, system.office
    doc_id, code = issue_print(office, pages=3)
    # as CUPS does: an empty tray shows only once a job runs (the lane's own check sees none yet)
    lane.releaser.prints.can_print = lambda: True
    lane.simulate_scan(text=code)
    (release,) = wait_done(lane)
    assert release.outcome == "failed", release.detail
    assert release.detail.startswith("print.media_empty")  # what the screen said
    (job,) = lane.printer.jobs
    assert (job.state, job.pages_done) == (JobState.CANCELLED, 0)
    assert "scan" in more_texts(lane.screen.view.to_dict())[1].lower()
    wait_for(lambda: not lane.journal.unreported(), what="failure reported")
    assert office.get_document(doc_id)["state"] == "ready"
    lane.poll_devices()
    printer = lane.status()["devices"]["printer"]
    assert "media-empty" in printer["reasons"] and printer["state"] == "error"
    lane.printer.set_paper(10)  # refilled: the same code now prints, once
    wait_for(  # the lane's device poll sees the printer healthy again
        lambda: lane.poll_devices() or lane.status()["devices"]["printer"]["state"] != "error",
        what="printer healthy again on the lane",
    )
    again = _show_again(lane, code, 2)
    assert again.outcome == "released", again.detail
    wait_for(lambda: office.get_document(doc_id)["state"] == "released", what="released at the office")
    assert len(lane.printer.printed) == 1


def _interrupted_print(tmp_path, *, paper: int, pages: int = 3):
    """A journal with an INTENT for a print whose job the lane then lost sight of (a crash), and
    the simulated printer's job, stopped by an empty tray and then cancelled (at the printer)."""
    from controller.lane.journal import Journal
    from hardware.printer.sim import SimPrinter
    from tests.conftest import make_pdf

    journal = Journal(tmp_path / "journal.db")
    printer = SimPrinter(outbox=tmp_path / "outbox", seconds_per_page=0.01, paper=paper)
    pdf = tmp_path / "doc.pdf"
    pdf.write_bytes(make_pdf(pages))
    journal.claiming("claim-1", "ab" * 32)
    journal.intent("claim-1", {"kind": "print", "job_name": "claim-1", "pages": pages})
    job_id = printer.submit(pdf, "claim-1")
    wait_for(lambda: printer.job(job_id).state is JobState.STOPPED, what="the job stopped")
    printer.cancel(job_id)
    return journal, printer


def test_recovery_of_a_job_cancelled_after_a_sheet_is_uncertain(tmp_path):
    from controller.lane.recovery import recover

    journal, printer = _interrupted_print(tmp_path, paper=1)
    try:
        ((claim_id, outcome, detail),) = recover(journal, printer, {}, follow_seconds=1)
        assert (claim_id, outcome) == ("claim-1", "uncertain"), detail
    finally:
        printer.close()
        journal.close()


def test_recovery_of_a_job_cancelled_before_its_first_sheet_is_failed(tmp_path):
    from controller.lane.recovery import recover

    journal, printer = _interrupted_print(tmp_path, paper=0)
    try:
        ((claim_id, outcome, detail),) = recover(journal, printer, {}, follow_seconds=1)
        assert (claim_id, outcome) == ("claim-1", "failed"), detail
    finally:
        printer.close()
        journal.close()


def test_a_printer_known_out_of_paper_refuses_print_codes_before_any_claim(make_system):
    system = make_system(printer={"type": "sim", "seconds_per_page": 0.02, "paper": 0}, dedupe_seconds=0.2)
    lane, office = system.lane, system.office
    doc_id, code = issue_print(office, pages=2)
    lane.poll_devices()
    assert lane.health.prints() is False
    idle = lane._idle_view()
    assert idle.state == "ready" and idle.detail == {"prints": False}  # the welcome says so
    lane.simulate_scan(text=code)
    (release,) = wait_done(lane)
    assert release.outcome == "refused" and release.detail.startswith("print.unavailable"), release.detail
    view = lane.screen.view.to_dict()
    assert (view["state"], view["fault"]) == ("problem", "lane")  # the lane's fault, not the driver's
    assert lane.printer.jobs == []  # nothing submitted
    doc = office.get_document(doc_id)
    assert doc["state"] == "ready"  # never claimed: the code works once the paper is in
    lane.printer.set_paper(None)
    lane.poll_devices()
    assert lane.health.prints() is True and lane._idle_view().detail == {}
