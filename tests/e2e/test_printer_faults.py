"""Every printer fault the lane must explain, through a real cupsd and its fault-injecting test
backend: the reason reaches the lane screen (in both languages) and the printer's device state,
and the pickup stays claimable for a controlled reprint."""

from __future__ import annotations

import pytest

from tests.conftest import make_pdf
from tests.rigs.server import LiveServer
from tests.rigs.wait import wait_for

FAULTS = [
    # (backend reasons, exit code, delay s, expected lane message, reason in the device state)
    (["media-empty"], 0, 0, "print.media_empty", "media-empty"),
    (["media-jam"], 0, 0, "print.media_jam", "media-jam"),
    (["toner-empty"], 0, 0, "print.toner_empty", "toner-empty"),
    (["door-open"], 0, 0, "print.door_open", "door-open"),
    (["offline-report"], 0, 15, "print.offline", "offline"),
    ([], 1, 0, "print.aborted", None),
]


@pytest.mark.parametrize(
    ("reasons", "exit_code", "delay", "message", "device_reason"), FAULTS, ids=[f[3] for f in FAULTS]
)
def test_printer_fault_reaches_screen_and_device_state(
    build, cups_server, reasons, exit_code, delay, message, device_reason
):
    queue = "ambil-" + message.replace(".", "-").replace("_", "-")
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
        wait_for(lambda: any(v.state == "problem" for v in seen), 45, what=f"{message} on the screen")
        problem = next(v for v in seen if v.state == "problem")
        assert problem.reason == message, (problem.reason, problem.detail)
        assert problem.text_id and problem.text_en
        wait_for(lambda: not lane.journal.unreported(), what="outcome reported")
        assert office.get_document(doc["id"])["state"] == "ready"  # claimable again
        if device_reason:
            lane._poll_devices()
            printer = lane.status()["devices"]["printer"]
            if device_reason == "offline":
                # cupsd drops offline-report once the job ends (the lane cancelled it): the
                # reason was seen during the job, which is what ended the wait
                assert "offline" in lane.journal.recent(1)[0].detail
            else:
                assert device_reason in printer["reasons"] and printer["state"] == "error"
    cups_server.clear_fault(queue)
