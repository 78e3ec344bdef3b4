"""The reports page and its CSV over real HTTP: who may see them, the chart, filters, export."""

from __future__ import annotations

import csv
import io
import re

import pytest

from controller.kernel.codes import code_hash
from tests.conftest import make_pdf
from tests.rigs.server import LiveServer
from tests.web.helpers import browser, login

PASSWORD = "kata-sandi-rahasia"


def _release(office, title, outcome="released"):
    doc = office.create_document(kind="print", title=title, pdf=make_pdf(1), actor="test")
    issued = office.mark_ready(doc["id"], "test")
    claim = f"claim-{doc['id']}"
    office.claim(code_hash=code_hash(issued.code), claim_id=claim, lane_id="lane-1")
    office.report(claim_id=claim, lane_id="lane-1", outcome=outcome, detail="door not seen")
    return doc["id"]


@pytest.fixture
def site(build):
    system = build()
    system.accounts.create_user("siti", PASSWORD, "staff")
    system.accounts.create_user("teguh", PASSWORD, "technician")
    with LiveServer(system) as server:
        server.released = [_release(system.office, f"Akta {n}") for n in range(3)]
        server.uncertain = _release(system.office, "KTP-el Budi", outcome="uncertain")
        yield server


def test_staff_see_figures_chart_and_uncertain_to_resolve(site):
    with browser(site.url) as web:
        login(web, "siti", PASSWORD)
        page = web.get("/staff/reports")
    assert page.status_code == 200
    html = page.text
    assert "Laporan pengambilan" in html
    assert re.search(r'id="total-pickups">3<', html)
    assert re.search(r'id="total-uncertain">1<', html)
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    assert svg.count('class="bar"') == 14  # the default range: the last 14 days
    assert 'data-count="3"' in svg
    assert f'href="/staff/documents/{site.uncertain}"' in html
    assert "KTP-el Budi" in html
    assert html.count("<h1") == 1 and 'for="report-start"' in html and 'for="report-lane"' in html


def test_technician_can_read_in_english_and_filter(site):
    with browser(site.url) as web:
        login(web, "teguh", PASSWORD)
        page = web.get("/staff/reports", params={"lane": "lane-9", "lang": "en"})
        assert page.status_code == 200
        assert "Pickup reports" in page.text and 'id="total-pickups">0<' in page.text
        short = web.get("/staff/reports", params={"start": "2025-01-01", "end": "2025-01-03"})
        assert short.text.count('class="bar"') == 3
        bad = web.get("/staff/reports", params={"start": "yesterday"})
        assert bad.status_code == 422 and "text/html" in bad.headers["content-type"]


def test_csv_export_matches_the_filters(site):
    with browser(site.url) as web:
        login(web, "siti", PASSWORD)
        page = web.get("/staff/reports")
        link = re.search(r'id="report-csv" href="([^"]+)"', page.text).group(1).replace("&amp;", "&")
        exported = web.get(link)
        one_day = web.get(
            "/staff/reports.csv", params={"start": "2025-03-01", "end": "2025-03-01", "lane": "lane-1"}
        )
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert len(rows) == 14  # 14 days x the one lane
    assert sum(int(r["pickups"]) for r in rows) == 3
    assert sum(int(r["uncertain"]) for r in rows) == 1
    assert list(csv.reader(io.StringIO(one_day.text)))[1:] == [
        ["2025-03-01", "lane-1", "0", "", "0", "0", ""]
    ]


def test_who_may_not_see_reports(site):
    with browser(site.url) as web:
        anonymous = web.get("/staff/reports")
        assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
        assert web.get("/staff/reports.csv").status_code == 303
    for role in ("agency", "lane"):
        key = site.system.office.create_api_key(role, lane_id="lane-1" if role == "lane" else None)
        with browser(site.url) as web:
            web.headers["Authorization"] = f"Bearer {key}"
            assert web.get("/staff/reports").status_code == 303
            assert web.get("/staff/reports.csv").status_code == 303
