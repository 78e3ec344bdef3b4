"""Reason keywords and IPP attributes to device and job states (no server needed)."""

from __future__ import annotations

from hardware.printer.cups_attributes import job_status, printer_status
from hardware.printer.interface import JobState
from hardware.printer.reasons import classify, normalize_reasons, split_reason
from hardware.status import DeviceState


def test_split_and_normalize_reasons():
    assert split_reason("media-empty-error") == ("media-empty", "error")
    assert split_reason("toner-low-warning") == ("toner-low", "warning")
    assert split_reason("offline-report") == ("offline", "report")
    assert split_reason("paused") == ("paused", "")
    reasons, severity = normalize_reasons(["none", "toner-low-warning", "media-jam-error", "media-jam"])
    assert reasons == ["toner-low", "media-jam"]
    assert severity == {"toner-low": "warning", "media-jam": "error"}


def test_classify_picks_the_worst():
    assert classify([])[0] is DeviceState.OK
    assert classify(["toner-low"])[0] is DeviceState.WARNING
    assert classify(["toner-low", "media-empty"]) == (DeviceState.ERROR, "out of paper")
    # Known blocking reasons count whatever suffix the backend used; unknown reports do not.
    assert classify(["offline"], {"offline": "report"})[0] is DeviceState.ERROR
    assert classify(["cups-waiting-for-job-completed"])[0] is DeviceState.OK
    assert classify(["vendor-thing"], {"vendor-thing": "error"})[0] is DeviceState.ERROR


def test_printer_status_from_attributes():
    status = printer_status(
        "lane-1",
        {
            "printer-state": 5,
            "printer-state-reasons": "toner-low-warning",
            "printer-is-accepting-jobs": True,
            "marker-names": ["Black"],
            "marker-types": "toner",
            "marker-levels": 12,
        },
    )
    assert status.state is DeviceState.ERROR  # a stopped queue prints nothing
    assert status.reasons == ["toner-low", "paused"]
    assert status.info["toner"] == 12
    assert status.info["markers"] == [{"name": "Black", "type": "toner", "level": 12}]
    assert status.info["printer_state"] == "stopped"


def test_job_status_from_attributes():
    job = job_status(
        7,
        {
            "job-name": "claim-1",
            "job-state": 6,
            "job-state-reasons": "printer-stopped",
            "job-media-sheets-completed": 0,
            "job-impressions-completed": 3,
        },
    )
    assert (job.job_id, job.name, job.state, job.pages_done) == (7, "claim-1", JobState.STOPPED, 3)
    assert job.reasons == ["printer-stopped"]
