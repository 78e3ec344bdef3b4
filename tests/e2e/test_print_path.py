"""The print path end to end: real HTTP, a real cupsd with a cups-pdf queue, the camera's
OpenCV capture path reading a local MJPEG stream of a phone showing the office's own QR."""

from __future__ import annotations

import cv2
import httpx
import numpy as np

from hardware.printer.cups_printer import CupsPrinter
from hardware.printer.interface import JobState
from tests.conftest import make_pdf
from tests.rigs.frames import blank_frame, phone_frame
from tests.rigs.mjpeg_server import MjpegServer, _encode_jpeg
from tests.rigs.server import LiveServer
from tests.rigs.wait import wait_for


def test_print_path_from_upload_to_paper(build, cups_server):
    camera = MjpegServer([blank_frame(seed=1), blank_frame(seed=2)], fps=8).start()
    try:
        system = build(
            scanner={"type": "camera", "source": camera.url, "fps_cap": 8},
            printer={"type": "cups", "queue": cups_server.pdf_queue, "server": cups_server.server},
            result_seconds=2.0,
        )
        key = system.office.create_api_key("staff", label="e2e")
        with LiveServer(system) as server, server.client(key) as api:
            created = api.post(
                "/api/v1/documents",
                data={"kind": "print", "title": "Surat Keterangan", "reference": "SK-1"},
                files={"file": ("sk.pdf", make_pdf(2, "Surat Keterangan"), "application/pdf")},
            )
            assert created.status_code == 201, created.text
            doc = created.json()
            assert doc["state"] == "draft"
            ready = api.post(f"/api/v1/documents/{doc['id']}/ready").json()
            assert ready["code"].startswith("AMB1") and len(ready["short_code"]) == 10
            png = httpx.get(ready["qr_png_url"]).content
            qr = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)

            # the driver holds the phone up: the stream now shows the code
            camera.jpegs = [_encode_jpeg(phone_frame(qr, seed=s), 90) for s in range(4)]

            def released():
                return api.get(f"/api/v1/documents/{doc['id']}").json()["state"] == "released"

            wait_for(released, 60, what="document released")
            release = system.lane.journal.recent()[-1]
            assert release.outcome == "released"
            printer = CupsPrinter(cups_server.pdf_queue, server=cups_server.server)
            try:
                (job,) = printer.find_jobs(release.claim_id)
                assert job.state == JobState.COMPLETED
            finally:
                printer.close()
            out = cups_server.wait_for_job_file(cups_server.pdf_queue, job.job_id)
            assert out.read_bytes().startswith(b"%PDF")
            history = api.get(f"/api/v1/documents/{doc['id']}").json()["history"]
            assert any("released" in h["action"] for h in history), history
            wait_for(
                lambda: api.get("/api/v1/lane").json()["devices"]["scanner"]["state"] == "ok",
                what="camera reported online",
            )
            lane = api.get("/api/v1/lane").json()
            assert lane["counters"]["outcomes"] == {"released": 1}
        assert system.office.verify_audit().ok
    finally:
        camera.stop()


def test_a_job_that_completes_with_media_empty_is_uncertain_through_cups(build, cups_server):
    # CUPS calls the job completed when the data left; the tray then reads empty: the paper may
    # or may not have come out, so staff check, and the same code never prints a second copy
    queue = "ambil-paper-out"
    cups_server.add_faulty_queue(queue)
    cups_server.set_fault(queue, ["media-empty"])
    system = build(
        printer={"type": "cups", "queue": queue, "server": cups_server.server},
        result_seconds=30.0,
        dedupe_seconds=0.2,
    )
    key = system.office.create_api_key("staff")
    with LiveServer(system) as server, server.client(key) as api:
        doc = api.post(
            "/api/v1/documents",
            data={"kind": "print", "title": "STNK"},
            files={"file": ("a.pdf", make_pdf(1), "application/pdf")},
        ).json()
        code = api.post(f"/api/v1/documents/{doc['id']}/ready").json()["code"]
        api.post("/api/v1/lane/scan", json={"text": code})
        wait_for(
            lambda: api.get("/api/v1/lane").json()["view"]["state"] == "problem",
            60,
            what="the lane to report the print problem",
        )
        view = api.get("/api/v1/lane").json()["view"]
        assert view["reason"] == "print.not_confirmed"
        # a short headline, the explanation below it (issue 15)
        assert "belum pasti" in view["text_id"] and "staff" not in view["text_en"]
        assert "petugas akan memeriksa" in view["more_id"] and "staff" in view["more_en"]
        wait_for(lambda: not system.lane.journal.unreported(), 10, what="outcome reported")
        (release,) = system.lane.journal.recent(1)
        assert release.outcome == "uncertain" and "media-empty" in release.detail
        assert api.get(f"/api/v1/documents/{doc['id']}").json()["state"] == "uncertain"
        system.lane.poll_devices()
        printer = api.get("/api/v1/lane").json()["devices"]["printer"]
        assert printer["state"] == "error" and "media-empty" in printer["reasons"]

        cups_server.clear_fault(queue)  # the tray is refilled; the driver shows the code again
        api.post("/api/v1/lane/scan", json={"text": code})
        wait_for(lambda: len(system.lane.journal.recent(10)) == 2, 30, what="the second showing")
        wait_for(lambda: system.lane.journal.recent(1)[0].stage == "done", 30, what="its answer")
        assert system.lane.journal.recent(1)[0].outcome == "refused"
        assert len(cups_server.output_files(queue)) == 1  # the one job the backend wrote
