"""Suite 7, privacy: no pickup code, short code, NIK-like number or citizen name in any log line.

A representative workload (staff and agency registration with a seeded citizen name and a
16-digit NIK-like reference, codes issued, QR and citizen page fetched, releases by QR and by
short code, refusals, malformed scans, notifications on the log channel, reports and pages)
runs against a live all-in-one server while a handler on the root logger records every record
at DEBUG, uvicorn's, httpx's and alembic's included. The same kind of workload then runs against
an ``ambil serve`` child process, and its whole stdout and stderr are searched the same way.
"""

from __future__ import annotations

import logging
import re
import threading

import httpx
import pytest

from tests.conftest import make_pdf
from tests.proof.test_chaos import Lane
from tests.rigs.server import LiveServer
from tests.rigs.wait import wait_for

NAME = "Siti Nurhaliza Wibisono"
NIK = "3174051203870006"
PHONE = "+6281234567890"


class Everything(logging.Handler):
    """Keeps every formatted record, with its exception text."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.own_requests = 0
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self._test_thread = threading.get_ident()

    def emit(self, record):
        if record.name.startswith(("httpx", "httpcore")) and record.thread == self._test_thread:
            # the test's own HTTP client logging the URLs it calls (e.g. /p/{code}): not ambil's
            self.own_requests += 1
            return
        self.lines.append(self.format(record))


@pytest.fixture
def capture_all():
    root = logging.getLogger()
    handler = Everything()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "httpx", "httpcore", "alembic"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(level)


def secrets_in(text: str, secrets: set[str]) -> list[str]:
    found = [s for s in secrets if s and s in text]
    # any 16-digit run looks like a NIK (but not one inside a hex token: a claim id such as
    # df33e7c414c5483086005242990be5cb is no personal data); any AMB1 code-shaped token is a code
    found += re.findall(r"(?<![0-9a-fA-F])\d{16}(?![0-9a-fA-F])", text)
    found += re.findall(r"AMB1[A-Z2-7]{26}", text)
    return found


def workload(api: httpx.Client, agency: httpx.Client | None, lane_view) -> set[str]:
    """Drive the system; return every secret that went through it."""
    pdf = make_pdf(1)
    secrets = {NAME, NIK, PHONE}
    doc = api.post(
        "/api/v1/documents",
        data={"kind": "print", "title": f"Akta {NAME}", "reference": NIK},
        files={"file": ("a.pdf", pdf, "application/pdf")},
    ).json()
    issued = api.post(f"/api/v1/documents/{doc['id']}/ready").json()
    secrets |= {issued["code"], issued["short_code"], issued["short_code"].replace("-", "")}
    api.get(issued["qr_png_url"])
    api.get(f"/p/{issued['code']}")
    api.get(f"/p/{issued['code'][:-1]}X")
    api.post("/api/v1/lane/scan", json={"text": issued["code"]})
    wait_for(lambda: api.get(f"/api/v1/documents/{doc['id']}").json()["state"] == "released", what="release")
    wait_for(lambda: lane_view() == "ready", what="lane ready")
    api.post("/api/v1/lane/scan", json={"text": issued["code"]})  # refused: already released
    api.post("/api/v1/lane/scan", json={"text": NIK})  # malformed
    api.post("/api/v1/lane/short-code", json={"digits": "0000000000"})  # wrong short code

    second = api.post(
        "/api/v1/documents",
        data={"kind": "print", "title": NAME, "reference": NIK + "-2"},
        files={"file": ("a.pdf", pdf, "application/pdf")},
    ).json()
    again = api.post(f"/api/v1/documents/{second['id']}/ready").json()
    reissued = api.post(f"/api/v1/documents/{second['id']}/reissue").json()
    secrets |= {again["code"], again["short_code"], reissued["code"], reissued["short_code"]}
    wait_for(lambda: lane_view() == "ready", what="lane ready")
    api.post("/api/v1/lane/scan", json={"text": again["code"]})  # revoked
    wait_for(lambda: lane_view() == "ready", what="lane ready")
    api.post("/api/v1/lane/short-code", json={"digits": reissued["short_code"]})
    wait_for(
        lambda: api.get(f"/api/v1/documents/{second['id']}").json()["state"] == "released",
        what="release by short code",
    )
    api.get(f"/api/v1/documents?q={NAME}")
    api.get(f"/api/v1/documents/{second['id']}")
    if agency is not None:
        pushed = agency.post(
            "/api/v1/agency/documents",
            data={
                "title": "Paspor",
                "reference": NIK + "-P",
                "kind": "print",
                "citizen_name": NAME,
                "citizen_phone": PHONE,
            },
            files={"file": ("p.pdf", pdf, "application/pdf")},
        )
        assert pushed.status_code in (200, 201), pushed.text
        if pushed.json().get("code"):
            secrets.add(pushed.json()["code"])
        agency.get(f"/api/v1/agency/documents/{NIK}-P")
    return secrets


def test_no_secret_in_any_log_record(build, capture_all, figures):
    system = build()
    with LiveServer(system) as server:
        office = system.office
        api = server.client(office.create_api_key("admin", label="privacy"))
        agency = server.client(office.create_api_key("agency", label="privacy-agency"))
        secrets = workload(api, agency, lambda: api.get("/api/v1/lane").json()["view"]["state"])
        api.get("/staff/reports.csv")
        api.get("/metrics")
    leaks = [(line, secrets_in(line, secrets)) for line in capture_all.lines if secrets_in(line, secrets)]
    figures(
        f"in-process: {len(capture_all.lines)} log records (+{capture_all.own_requests} of the test's "
        f"client), {len(secrets)} secrets, {len(leaks)} leaks"
    )
    assert len(capture_all.lines) > 20, "the workload should have logged something"
    assert not leaks, leaks[:5]


def test_no_secret_in_a_serve_process_output(tmp_path, figures):
    from controller.config import load_config
    from controller.office.assemble import build_office

    lane = Lane(tmp_path)
    office, engine = build_office(load_config(lane.config))
    key = office.create_api_key("admin", label="privacy")
    agency_key = office.create_api_key("agency", label="privacy-agency")
    engine.dispose()
    try:
        lane.start()
        with (
            httpx.Client(base_url=lane.url, headers={"Authorization": f"Bearer {key}"}, timeout=15) as api,
            httpx.Client(
                base_url=lane.url, headers={"Authorization": f"Bearer {agency_key}"}, timeout=15
            ) as ag,
        ):
            secrets = workload(api, ag, lane.view)
    finally:
        lane.stop()
    output = lane.log.read_text(errors="replace")
    leaks = [line for line in output.splitlines() if secrets_in(line, secrets)]
    figures(
        f"ambil serve: {len(output.splitlines())} output lines, {len(secrets)} secrets, {len(leaks)} leaks"
    )
    assert output.strip(), "the child should have written something"
    assert not leaks, leaks[:5]
