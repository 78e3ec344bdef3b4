"""Reports: pickups per local (WITA) day and lane, ready-to-pickup minutes, failures and uncertain
releases, ratings, and the CSV export, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import itertools
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from controller.kernel.codes import code_hash
from controller.kernel.errors import AmbilError
from controller.office.db.tables import ratings
from controller.office.reports import Reports, percentile, to_csv

WITA = timezone(timedelta(hours=8))
_numbers = itertools.count(1)


def at(day: str, hhmm: str) -> float:
    """Epoch seconds of a WITA wall-clock time."""
    return datetime.fromisoformat(f"{day}T{hhmm}:00").replace(tzinfo=WITA).timestamp()


def release(office, clock, pdf, *, ready_at: float, minutes: float, lane="lane-1", outcome="released"):
    """Issue a code at ``ready_at``, claim and report it ``minutes`` later; returns the document id."""
    n = next(_numbers)
    clock.now = ready_at
    doc = office.create_document(kind="print", title=f"Dokumen {n}", pdf=pdf, actor="t")
    issued = office.mark_ready(doc["id"], "t")
    clock.now = ready_at + minutes * 60
    claim = f"claim-{n}"
    office.claim(code_hash=code_hash(issued.code), claim_id=claim, lane_id=lane)
    office.report(
        claim_id=claim, lane_id=lane, outcome=outcome, detail="media-empty" if outcome != "released" else ""
    )
    return doc["id"]


@pytest.fixture
def reports(engine, clock):
    return Reports(engine, clock=clock)


def test_pickups_per_day_and_lane_with_minutes(office, clock, pdf, reports):
    release(office, clock, pdf, ready_at=at("2025-06-10", "09:00"), minutes=10)
    release(office, clock, pdf, ready_at=at("2025-06-10", "09:00"), minutes=30)
    release(office, clock, pdf, ready_at=at("2025-06-10", "10:00"), minutes=50)
    release(office, clock, pdf, ready_at=at("2025-06-11", "08:00"), minutes=5, lane="lane-2")
    report = reports.build(date(2025, 6, 10), date(2025, 6, 12))
    days = dict(report.days)
    assert [d.isoformat() for d, _ in report.days] == ["2025-06-10", "2025-06-11", "2025-06-12"]
    assert days[date(2025, 6, 10)].pickups == 3
    assert days[date(2025, 6, 10)].median_minutes == 30.0
    assert days[date(2025, 6, 10)].p90_minutes == 46.0  # 30 + 0.8 * (50 - 30)
    assert days[date(2025, 6, 11)].pickups == 1 and days[date(2025, 6, 12)].pickups == 0
    assert report.by_lane[(date(2025, 6, 11), "lane-2")].pickups == 1
    assert report.total.pickups == 4
    only_two = reports.build(date(2025, 6, 10), date(2025, 6, 12), lane="lane-2")
    assert only_two.total.pickups == 1
    assert {lane for _, lane, _ in only_two.rows()} == {"lane-2"}


def test_days_are_wita_days(office, clock, pdf, reports):
    # 23:30 UTC on the 9th is 07:30 WITA on the 10th
    utc_late = datetime(2025, 6, 9, 23, 0, tzinfo=UTC).timestamp()
    release(office, clock, pdf, ready_at=utc_late, minutes=30)
    report = reports.build(date(2025, 6, 9), date(2025, 6, 10))
    assert dict(report.days)[date(2025, 6, 10)].pickups == 1
    assert dict(report.days)[date(2025, 6, 9)].pickups == 0
    utc_report = Reports(office.engine, zone="UTC", clock=clock).build(date(2025, 6, 9), date(2025, 6, 10))
    assert dict(utc_report.days)[date(2025, 6, 9)].pickups == 1


def test_failures_and_uncertain_listed_with_documents(office, clock, pdf, reports):
    failed = release(office, clock, pdf, ready_at=at("2025-06-10", "09:00"), minutes=3, outcome="failed")
    unsure = release(office, clock, pdf, ready_at=at("2025-06-10", "11:00"), minutes=4, outcome="uncertain")
    report = reports.build(date(2025, 6, 10), date(2025, 6, 10))
    assert report.total.failures == 1 and report.total.uncertain == 1 and report.total.pickups == 0
    assert [(i.document_id, i.outcome) for i in report.incidents] == [
        (unsure, "uncertain"),
        (failed, "failed"),
    ]
    assert report.incidents[0].document_state == "uncertain"
    assert report.incidents[1].document_state == "ready"  # a failed print is claimable again
    assert [d["id"] for d in report.open_uncertain] == [unsure]
    office.resolve_uncertain(unsure, "user:1", released=True)
    again = reports.build(date(2025, 6, 10), date(2025, 6, 10))
    assert again.open_uncertain == [] and again.incidents[0].document_state == "released"


def test_ratings_per_lane_and_day(engine, reports):
    with engine.begin() as conn:
        for lane, score, when in (
            ("lane-1", 5, at("2025-06-10", "09:00")),
            ("lane-1", 4, at("2025-06-10", "10:00")),
            ("lane-2", 2, at("2025-06-10", "10:00")),
            ("lane-1", 1, at("2025-06-20", "10:00")),  # outside the range
        ):
            conn.execute(ratings.insert().values(lane_id=lane, score=score, at=when))
    report = reports.build(date(2025, 6, 10), date(2025, 6, 11))
    assert report.by_lane[(date(2025, 6, 10), "lane-1")].ratings_avg == 4.5
    assert report.by_lane[(date(2025, 6, 10), "lane-2")].ratings_avg == 2.0
    assert report.total.ratings_count == 3


def test_csv_has_one_row_per_day_and_lane(office, clock, pdf, reports):
    release(office, clock, pdf, ready_at=at("2025-06-10", "09:00"), minutes=12)
    release(office, clock, pdf, ready_at=at("2025-06-10", "09:00"), minutes=2, outcome="failed")
    text = to_csv(reports.build(date(2025, 6, 10), date(2025, 6, 11)))
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["date", "lane", "pickups", "median_minutes", "failures", "uncertain", "ratings_avg"]
    assert rows[1:] == [
        ["2025-06-10", "lane-1", "1", "12.0", "1", "0", ""],
        ["2025-06-10", "lane-2", "0", "", "0", "0", ""],
        ["2025-06-11", "lane-1", "0", "", "0", "0", ""],
        ["2025-06-11", "lane-2", "0", "", "0", "0", ""],
    ]


def test_default_range_and_limits(reports, clock):
    clock.now = at("2025-06-30", "23:59")
    report = reports.build()
    assert (report.start, report.end) == (date(2025, 6, 17), date(2025, 6, 30))
    swapped = reports.build(date(2025, 6, 30), date(2025, 6, 1))
    assert swapped.start == date(2025, 6, 1)
    with pytest.raises(AmbilError):
        reports.build(date(2024, 1, 1), date(2025, 6, 1))


def test_percentile():
    assert percentile([7.0], 90) == 7.0
    assert percentile([0.0, 10.0], 90) == 9.0
    assert percentile(list(map(float, range(1, 11))), 50) == 5.5
