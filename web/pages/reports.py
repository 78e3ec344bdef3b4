"""Reports pages for staff and technicians: figures for a date range, a chart, and a CSV export."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from controller.kernel.errors import AmbilError
from controller.office.reports import Report, to_csv
from web.auth import Principal, require_page
from web.csrf import verify_csrf
from web.deps import LockersDep, ReportsDep
from web.pages.render import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])
READERS = ("staff", "technician", "admin")

# the chart's drawing box (SVG user units; the SVG scales to the page width)
CHART_W, CHART_H, CHART_TOP, CHART_BOTTOM, CHART_LEFT = 720, 260, 16, 40, 36


def _date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise AmbilError(f"not a date (YYYY-MM-DD): {value[:20]!r}", key="request.invalid") from None


def _report(reports, start: str | None, end: str | None, lane: str | None) -> Report:
    return reports.build(_date(start), _date(end), (lane or "").strip() or None)


def chart(report: Report) -> dict:
    """Bars of pickups per day, laid out for the SVG template (no JavaScript, no library)."""
    counts = [(day, fig.pickups) for day, fig in report.days]
    top = max([n for _, n in counts] + [1])
    plot_w = CHART_W - CHART_LEFT - 8
    plot_h = CHART_H - CHART_TOP - CHART_BOTTOM
    step = plot_w / max(len(counts), 1)
    label_every = max(1, round(len(counts) / 10))  # at most ~10 date labels fit under the bars
    bars = []
    for i, (day, n) in enumerate(counts):
        height = plot_h * n / top
        bars.append(
            {
                "day": day,
                "count": n,
                "x": round(CHART_LEFT + i * step + step * 0.15, 1),
                "width": round(step * 0.7, 1),
                "y": round(CHART_TOP + plot_h - height, 1),
                "height": round(height, 1),
                "label_x": round(CHART_LEFT + i * step + step / 2, 1),
                "show_label": i % label_every == 0 or i == len(counts) - 1,
            }
        )
    return {
        "width": CHART_W,
        "height": CHART_H,
        "top": CHART_TOP,
        "left": CHART_LEFT,
        "baseline": CHART_TOP + plot_h,
        "max": top,
        "bars": bars,
    }


@router.get("/staff/reports")
def reports_page(
    request: Request,
    reports: ReportsDep,
    lockers: LockersDep,
    start: str | None = None,
    end: str | None = None,
    lane: str | None = None,
    who: Principal = Depends(require_page(*READERS)),
):
    report = _report(reports, start, end, lane)
    query = f"start={report.start.isoformat()}&end={report.end.isoformat()}"
    if report.lane:
        query += f"&lane={report.lane}"
    return render(
        request,
        "reports/index.html",
        {
            "report": report,
            "chart": chart(report),
            "csv_query": query,
            "rows": report.rows(),
            "lane_names": lockers.lane_names(),  # "Lajur 1", not lane-1
        },
        who=who,
    )


@router.get("/staff/reports.csv")
def reports_csv(
    request: Request,
    reports: ReportsDep,
    start: str | None = None,
    end: str | None = None,
    lane: str | None = None,
    who: Principal = Depends(require_page(*READERS)),
):
    report = _report(reports, start, end, lane)
    name = f"ambil-report-{report.start.isoformat()}-{report.end.isoformat()}.csv"
    return Response(
        to_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
