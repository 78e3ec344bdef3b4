"""A self-test page goes through the lane's one print follow-up (controller/lane/actuation.py), so
it is judged exactly as a release's print is: a jam before the first sheet is ``failed`` with the
message a release shows, a sheet out and then a jam is ``not_confirmed`` (a release: uncertain).
The sim printer's scripted faults (``jam_after``) make the jams."""

from __future__ import annotations

from tests.controller.lane.conftest import issue_print, wait_done


def _release_with_jam(system, *, pages: int, jam_after: int):
    # the jam strikes once the job is queued: a printer already jammed when the code is read
    # refuses print codes before any claim (print.unavailable, tests/controller/lane/test_print_outcomes)
    printer = system.lane.printer
    submit = printer.submit

    def submit_then_jam(pdf, job_name):
        job_id = submit(pdf, job_name)
        printer.jam_after(jam_after)
        return job_id

    printer.submit = submit_then_jam
    _doc_id, code = issue_print(system.office, pages=pages)
    system.lane.simulate_scan(text=code)
    (release,) = wait_done(system.lane)
    del printer.submit  # the sim's own submit again
    return release


def test_a_self_test_page_that_jams_at_once_fails_as_a_release_would(make_system):
    releasing = make_system()
    release = _release_with_jam(releasing, pages=1, jam_after=0)
    assert release.outcome == "failed", release.detail
    reason = release.detail.split(":")[0]
    assert reason == "print.media_jam"

    printer = releasing.lane.printer
    printer.clear_reason("media-jam")  # the technician cleared it, and tests the printer
    printer.jam_after(0)
    result = releasing.lane.self_test("print", actor="tech")
    assert (result["outcome"], result["reason"]) == ("failed", reason), result
    assert "media-jam" in result["detail"]
    _released, tested = printer.jobs
    assert tested.state == "cancelled"  # stopped before its first sheet: never left to resume
    assert printer.printed == []


def test_a_self_test_page_out_then_a_jam_is_not_confirmed_as_a_release_is_uncertain(make_system):
    releasing = make_system()
    release = _release_with_jam(releasing, pages=1, jam_after=1)  # the sheet leaves, then it jams
    assert release.outcome == "uncertain", release.detail
    assert release.detail.startswith("print.not_confirmed")

    printer = releasing.lane.printer
    printer.clear_reason("media-jam")
    printer.jam_after(1)
    result = releasing.lane.self_test("print", actor="tech")
    assert (result["outcome"], result["reason"]) == ("not_confirmed", "print.not_confirmed"), result
    assert len(printer.printed) == 2  # the release's sheet and the test page


def test_a_self_test_page_prints(make_system):
    system = make_system()
    result = system.lane.self_test("print", actor="tech")
    assert (result["outcome"], result["reason"], result["detail"]) == ("ok", "", "test page printed")
    assert len(system.lane.printer.printed) == 1
