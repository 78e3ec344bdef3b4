"""One ``site.timezone`` reaches every time a person reads and every day a report counts (issue
15, "Time"): with Asia/Jakarta the slip, the staff pages, the citizen's message and the reports
all say WIB and Jakarta's clock, over real HTTP where there is a page (the staff page, the
citizen's page, the technician's dashboard, the reports)."""

from __future__ import annotations

import io
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from controller.config import ConfigError, SiteConfig, parse_config
from controller.kernel.codes import code_hash
from tests.conftest import lane_config, make_pdf
from tests.rigs.server import LiveServer
from tests.web.helpers import browser, login, post_form
from web.app import build_system

PASSWORD = "kata-sandi-rahasia"
JAKARTA = ZoneInfo("Asia/Jakarta")


def _clock(ts: float, sep: str = ".") -> str:
    return datetime.fromtimestamp(ts, JAKARTA).strftime(f"%H{sep}%M")


def test_an_unknown_zone_is_refused_naming_the_key():
    with pytest.raises(ConfigError) as err:
        parse_config({"site": {"timezone": "Asia/Samarinda"}})
    assert "site.timezone" in str(err.value) and "Asia/Samarinda" in str(err.value)
    assert parse_config({}).site.timezone == "Asia/Makassar"


def test_the_zone_reaches_slips_pages_messages_and_reports(tmp_path):
    config = lane_config(tmp_path / "state")
    config.site = SiteConfig(timezone="Asia/Jakarta")
    system = build_system(config)
    system.accounts.create_user("siti", PASSWORD, "staff")
    system.accounts.create_user("teknisi", PASSWORD, "technician")
    office = system.office
    doc = office.create_document(kind="print", title="Akta", pdf=make_pdf(1), actor="test")
    issued = office.mark_ready(doc["id"], "test")
    incident = office.create_document(kind="print", title="SKCK", pdf=make_pdf(1), actor="test")
    claimed = office.mark_ready(incident["id"], "test")
    office.claim(code_hash=code_hash(claimed.code), claim_id="c-1", lane_id="lane-1")
    office.report(claim_id="c-1", lane_id="lane-1", outcome="uncertain", detail="tray not seen")
    with LiveServer(system) as server, browser(server.url) as web:
        login(web, "siti", PASSWORD)
        detail = web.get(f"/staff/documents/{doc['id']}").text
        page = f"/staff/documents/{doc['id']}"
        slip = post_form(web, page, f"{page}/slip.pdf", {"code": issued.code})
        report = web.get("/staff/reports", params={"lang": "en"}).text
        citizen = web.get(f"/p/{issued.code}", params={"lang": "id"}).text
        with browser(server.url) as tech:
            login(tech, "teknisi", PASSWORD)
            lane_page = tech.get("/dashboard/lanes/lane-1").text

    # the staff page: the expiry and the history in Jakarta's time, with WIB
    assert f"{_clock(issued.expires_at)} WIB" in detail and "WITA" not in detail
    # the slip
    assert slip.status_code == 200
    text = PdfReader(io.BytesIO(slip.content)).pages[0].extract_text()
    assert f"{_clock(issued.expires_at)} WIB" in text
    # the citizen's message, written by the texts the composition root gave the notifier
    _, message = system.notifications.texts.code_issued(title="Akta", link="-", expires_at=issued.expires_at)
    assert (
        f"{_clock(issued.expires_at)} WIB" in message and f"{_clock(issued.expires_at, ':')} WIB" in message
    )
    # the citizen's page and the technician's dashboard (the lane's recent pickup, claimed now)
    assert f"{_clock(issued.expires_at)} WIB" in citizen and "WITA" not in citizen
    claimed_at = system.fleet.recent_pickups("lane-1")[0]["claimed_at"]
    assert re.search(rf"{_clock(claimed_at)}\.\d\d WIB", lane_page) and "WITA" not in lane_page
    # the reports: the days are Jakarta's, and the incident's time is shown in it
    assert system.reports.zone == "Asia/Jakarta"
    assert system.reports.today() == datetime.now(JAKARTA).date()
    assert "(Asia/Jakarta)" in report and " WIB" in report and "WITA" not in report
