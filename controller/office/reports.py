"""Figures for staff: pickups per day and lane, ready-to-pickup time, failures, UNCERTAIN releases,
satisfaction ratings; for a date range and optionally one lane, with a CSV export.

Days are local days (Kutai Kartanegara is WITA, UTC+8), computed in Python from the UTC epoch
timestamps, so SQLite and PostgreSQL give the same answer without date functions.
"""

from __future__ import annotations

import csv
import io
import logging
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from controller.kernel.errors import AmbilError
from controller.kernel.zone import DEFAULT_ZONE, load_zone
from controller.office.db import reading
from controller.office.db.tables import claims, documents, lanes, pickups, ratings

log = logging.getLogger(__name__)

DEFAULT_DAYS = 14
MAX_DAYS = 366
CSV_COLUMNS = ("date", "lane", "pickups", "median_minutes", "failures", "uncertain", "ratings_avg")


@dataclass
class Figures:
    """The figures of one day (all lanes or one lane)."""

    pickups: int = 0
    failures: int = 0
    uncertain: int = 0
    minutes: list[float] = field(default_factory=list, repr=False)  # ready -> released, per pickup
    scores: list[int] = field(default_factory=list, repr=False)

    @property
    def median_minutes(self) -> float | None:
        return round(statistics.median(self.minutes), 1) if self.minutes else None

    @property
    def p90_minutes(self) -> float | None:
        return round(percentile(self.minutes, 90), 1) if self.minutes else None

    @property
    def ratings_avg(self) -> float | None:
        return round(statistics.fmean(self.scores), 2) if self.scores else None

    @property
    def ratings_count(self) -> int:
        return len(self.scores)


@dataclass(frozen=True)
class Incident:
    """A failed or UNCERTAIN release, with the document staff open to resolve it."""

    at: float
    day: date
    lane: str
    document_id: int
    title: str
    outcome: str  # failed | uncertain
    detail: str
    document_state: str  # its state now: "uncertain" still needs staff


@dataclass
class Report:
    start: date
    end: date
    lane: str | None
    zone: str
    lanes: list[str]  # every lane known, for the filter
    days: list[tuple[date, Figures]]  # every day of the range, all lanes (or the one lane)
    by_lane: dict[tuple[date, str], Figures]  # (day, lane) -> figures
    incidents: list[Incident]
    open_uncertain: list[dict]  # documents waiting for staff now, whatever the range
    total: Figures

    def rows(self) -> list[tuple[date, str, Figures]]:
        """One row per day and lane (the lanes shown), oldest first: the CSV and the table."""
        shown = [self.lane] if self.lane else sorted({lane for _, lane in self.by_lane} | set(self.lanes))
        return [
            (day, lane, self.by_lane.get((day, lane), Figures())) for day, _ in self.days for lane in shown
        ]


def percentile(values: list[float], pct: float) -> float:
    """Linear-interpolated percentile (the "inclusive" method); the value itself for one value."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(pct) - 1]


class Reports:
    """Reports over the office database; ``zone`` decides which local day an event belongs to."""

    def __init__(self, engine: Engine, *, zone: str = DEFAULT_ZONE, clock: Callable[[], float] = time.time):
        self.engine = engine
        self.zone = zone
        self.tz = load_zone(zone)
        self.clock = clock

    def today(self) -> date:
        return datetime.fromtimestamp(self.clock(), self.tz).date()

    def default_range(self) -> tuple[date, date]:
        """The last 14 days, today included."""
        end = self.today()
        return end - timedelta(days=DEFAULT_DAYS - 1), end

    def day_of(self, ts: float) -> date:
        return datetime.fromtimestamp(ts, self.tz).date()

    def _epoch(self, day: date) -> float:
        return datetime(day.year, day.month, day.day, tzinfo=self.tz).timestamp()

    def build(self, start: date | None = None, end: date | None = None, lane: str | None = None) -> Report:
        """The report for the local days ``start``..``end`` (both included; default the last 14)."""
        default_start, default_end = self.default_range()
        start, end = start or default_start, end or default_end
        if start > end:
            start, end = end, start
        if (end - start).days + 1 > MAX_DAYS:
            raise AmbilError(f"at most {MAX_DAYS} days", key="request.invalid")
        lane = lane or None
        since, until = self._epoch(start), self._epoch(end + timedelta(days=1))
        days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
        per_day = {day: Figures() for day in days}
        by_lane: dict[tuple[date, str], Figures] = defaultdict(Figures)
        total = Figures()
        incidents: list[Incident] = []

        with reading(self.engine) as conn:
            for row in conn.execute(self._claims_query(since, until, lane)):
                at = row.finished_at if row.finished_at is not None else row.claimed_at
                day = self.day_of(at)
                targets = (per_day[day], by_lane[(day, row.lane_id)], total)
                if row.outcome == "released":
                    minutes = max(0.0, (at - row.ready_at) / 60.0)
                    for fig in targets:
                        fig.pickups += 1
                        fig.minutes.append(minutes)
                elif row.outcome in ("failed", "uncertain"):
                    for fig in targets:
                        if row.outcome == "failed":
                            fig.failures += 1
                        else:
                            fig.uncertain += 1
                    incidents.append(
                        Incident(
                            at=at,
                            day=day,
                            lane=row.lane_id,
                            document_id=row.document_id,
                            title=row.title,
                            outcome=row.outcome,
                            detail=row.detail or "",
                            document_state=row.doc_state,
                        )
                    )
            rating_query = select(ratings.c.lane_id, ratings.c.score, ratings.c.at).where(
                ratings.c.at >= since, ratings.c.at < until
            )
            if lane:
                rating_query = rating_query.where(ratings.c.lane_id == lane)
            for row in conn.execute(rating_query):
                day = self.day_of(row.at)
                for fig in (per_day[day], by_lane[(day, row.lane_id)], total):
                    fig.scores.append(row.score)
            open_uncertain = self._open_uncertain(conn, lane)
            known_lanes = list(conn.execute(select(lanes.c.id).order_by(lanes.c.id)).scalars())

        incidents.sort(key=lambda i: i.at, reverse=True)
        return Report(
            start=start,
            end=end,
            lane=lane,
            zone=self.zone,
            lanes=known_lanes,
            days=[(day, per_day[day]) for day in days],
            by_lane=dict(by_lane),
            incidents=incidents,
            open_uncertain=open_uncertain,
            total=total,
        )

    @staticmethod
    def _claims_query(since: float, until: float, lane: str | None):
        at = func.coalesce(claims.c.finished_at, claims.c.claimed_at)
        query = (
            select(
                claims.c.lane_id,
                claims.c.claimed_at,
                claims.c.finished_at,
                claims.c.outcome,
                claims.c.detail,
                pickups.c.created_at.label("ready_at"),
                pickups.c.document_id,
                documents.c.title,
                documents.c.state.label("doc_state"),
            )
            .select_from(
                claims.join(pickups, claims.c.pickup_id == pickups.c.id).join(
                    documents, pickups.c.document_id == documents.c.id
                )
            )
            .where(claims.c.outcome.is_not(None), at >= since, at < until)
        )
        return query.where(claims.c.lane_id == lane) if lane else query

    @staticmethod
    def _open_uncertain(conn, lane: str | None) -> list[dict]:
        query = (
            select(
                documents.c.id,
                documents.c.title,
                documents.c.updated_at,
                pickups.c.lane_id,
                pickups.c.detail,
            )
            .select_from(documents.join(pickups, pickups.c.document_id == documents.c.id))
            .where(documents.c.state == "uncertain", pickups.c.state == "uncertain")
            .order_by(documents.c.updated_at)
        )
        if lane:
            query = query.where(pickups.c.lane_id == lane)
        return [dict(row._mapping) for row in conn.execute(query)]


def to_csv(report: Report) -> str:
    """The CSV export: one row per day and lane, ``CSV_COLUMNS``; empty cells where nothing to average."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for day, lane, fig in report.rows():
        writer.writerow(
            [
                day.isoformat(),
                lane,
                fig.pickups,
                "" if fig.median_minutes is None else f"{fig.median_minutes:.1f}",
                fig.failures,
                fig.uncertain,
                "" if fig.ratings_avg is None else f"{fig.ratings_avg:.2f}",
            ]
        )
    return out.getvalue()
