"""The technicians' dashboard: every lane of every site, live over SSE, worst first; a page per
lane with devices, pickups, alerts, log lines and charts; acknowledging alerts; self-tests."""

from __future__ import annotations

import time
from datetime import tzinfo
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from controller.kernel.errors import AmbilError
from controller.lane.selftest import DOOR_TEST, SELF_TESTS
from controller.office.lane_control import LaneCommandError
from web.auth import Principal, require_page
from web.csrf import csrf_token, verify_csrf
from web.deps import FleetDep, SystemDep, zone_of
from web.i18n import request_lang, t
from web.i18n.alerts import rule_text, rule_todo
from web.i18n.devices import info_lines, word
from web.i18n.documents import actor_text, release_detail
from web.i18n.times import ago, ago_units, format_time
from web.pages.dashboard_devices import device_views, megabytes
from web.pages.dashboard_live import lane_events
from web.pages.render import render
from web.pages.sse import event_stream
from web.pages.staff_documents import username_of

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])
VIEWERS = ("technician", "admin")
CHART_W, CHART_H, CHART_TOP, CHART_BOTTOM, CHART_LEFT = 720, 240, 16, 36, 40
SERIES = (("scans", "#0b4ea2"), ("releases", "#1d7a36"), ("failures", "#b3261e"))


def _helpers(lang: str, zone: tzinfo, system) -> dict:
    return {
        "actor": lambda actor: actor_text(actor, lang, lambda user_id: username_of(system, user_id)),
        "when": lambda ts: format_time(ts, lang, zone, "seconds"),
        "alert_text": lambda alert: rule_text(
            alert["rule"], alert.get("lane_name") or alert["lane_id"], lang
        ),
        "alert_todo": lambda alert: rule_todo(alert["rule"], lang),
        "devices_of": lambda lane: device_views(lane, lang, time.time()),
        "ago": lambda ts: ago(time.time() - ts, lang) if ts else "-",
        "ago_s": lambda seconds: ago(seconds, lang),
        "ago_units": ago_units(lang),
        "device_info": lambda info: info_lines(info, lang, time.time()),
        "device_word": lambda text: word(text, lang) if text else "",
        "release_detail": lambda text: release_detail(text, lang) if text else "",
    }


@router.get("/dashboard")
def dashboard(
    request: Request, fleet: FleetDep, system: SystemDep, who: Principal = Depends(require_page(*VIEWERS))
):
    lang = request_lang(request, who.language)
    lanes = fleet.lanes()
    context = {"lanes": lanes, **_helpers(lang, zone_of(request), system)}
    return render(request, "dashboard/index.html", context, who=who)


@router.get("/dashboard/events")
async def dashboard_events(
    request: Request, fleet: FleetDep, system: SystemDep, who: Principal = Depends(require_page(*VIEWERS))
):
    """Server-sent events: every lane card at once, then only the cards that changed, at most one
    event a second (web/pages/dashboard_live.py); EventSource reconnects and starts over."""
    lang = request_lang(request, who.language)
    template = request.app.state.templates.get_template("dashboard/_lane_card.html")
    context = {
        "t": lambda key, **v: t(lang, key, **v),
        "lang": lang,
        "csrf_token": csrf_token(request),
        "who": who,
    }
    context.update(_helpers(lang, zone_of(request), system))
    return event_stream(lane_events(fleet, lambda lane: template.render(lane=lane, **context)))


@router.get("/dashboard/lanes/{lane_id}")
def lane_page(
    request: Request,
    fleet: FleetDep,
    system: SystemDep,
    lane_id: str,
    hours: float = 6.0,
    who: Principal = Depends(require_page(*VIEWERS)),
):
    lang = request_lang(request, who.language)
    hours = min(max(hours, 1.0), 24.0 * 7)
    lane = fleet.lane(lane_id)
    series = fleet.series(lane_id, hours=hours, buckets=36)
    banks = {key.split(":", 1)[1]: d for key, d in lane["devices"].items() if key.startswith("locker:")}
    result = {k: request.query_params.get(k) for k in ("selftest", "outcome", "error", "detail", "note")}
    context = {
        "lane": lane,
        "hours": hours,
        "chart": chart(series, zone_of(request), lang),
        "series": series,
        "pickups": fleet.recent_pickups(lane_id),
        "recent_alerts": [{**a, "lane_name": lane["name"]} for a in fleet.alerts.recent(lane_id)],
        "banks": banks,
        "button_tests": [name for name in SELF_TESTS if name != DOOR_TEST],  # the door one has a form
        "megabytes": lambda mb: megabytes(mb, lang),
        "selftest": result if result["selftest"] else None,
        **_helpers(lang, zone_of(request), system),
    }
    return render(request, "dashboard/lane.html", context, who=who)


@router.post("/dashboard/alerts/{alert_id}/ack")
def acknowledge(
    request: Request,
    fleet: FleetDep,
    alert_id: int,
    next: str = Form("/dashboard"),
    who: Principal = Depends(require_page(*VIEWERS)),
):
    fleet.alerts.acknowledge(alert_id, actor=who.actor)
    target = next if next.startswith("/dashboard") and "//" not in next else "/dashboard"
    sep = "&" if "?" in target else "?"
    return RedirectResponse(f"{target}{sep}ok=dashboard.acked", status_code=303)


@router.post("/dashboard/lanes/{lane_id}/selftest")
def self_test(
    request: Request,
    system: SystemDep,
    fleet: FleetDep,
    lane_id: str,
    test: str = Form(""),
    bank: str = Form(""),
    door: str = Form(""),
    confirm_held: str = Form(""),
    reason: str = Form(""),
    who: Principal = Depends(require_page("technician")),
):
    fleet.lane(lane_id)  # lane.not_found for a lane nobody knows
    query = {"selftest": test or "-"}
    try:
        if test not in SELF_TESTS:
            raise AmbilError(f"unknown self-test {test[:20]!r}", key="request.invalid")
        args = {}
        if test == DOOR_TEST:
            if not bank or not door.isdigit():
                raise AmbilError("the door test needs a bank and a door", key="request.invalid")
            # a door with an item behind it: only confirmed, with a reason (the fleet checks it)
            args = {"bank": bank, "door": int(door), "confirm_held": bool(confirm_held), "reason": reason}
        result = fleet.self_test(system.lane_control, lane_id, test, actor=who.actor, **args)
        query.update(outcome=result.get("outcome", "failed"), detail=str(result.get("detail", ""))[:200])
    except LaneCommandError as exc:  # the lane never took it (not run), or took it and went quiet
        note = (
            "lane_commands.selftest_expired" if exc.state == "expired" else "lane_commands.selftest_no_answer"
        )
        query.update(outcome="failed", note=note)
    except AmbilError as exc:
        query.update(outcome="failed", error=exc.key)
    return RedirectResponse(f"/dashboard/lanes/{lane_id}?{urlencode(query)}", status_code=303)


def nice_top(value: int) -> int:
    """The axis top for a largest value: the next of 1, 2, 5 x 10^n at or above it (at least 2),
    so a lane with 3 scans is not drawn against 100 and a busy one is not cut off."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if factor * step >= max(value, 2):
                return factor * step
        step *= 10


def chart(series: list[dict], zone: tzinfo, lang: str = "id") -> dict:
    """Three lines (scans, releases, failures) per bucket, laid out for an inline SVG; the
    vertical range fits the largest bucket (``nice_top``), the time labels are in ``lang``."""
    top = nice_top(max([b[name] for b in series for name, _ in SERIES] + [0]))
    plot_w = CHART_W - CHART_LEFT - 8
    plot_h = CHART_H - CHART_TOP - CHART_BOTTOM
    step = plot_w / max(len(series) - 1, 1)
    baseline = CHART_TOP + plot_h
    lines = []
    for name, colour in SERIES:
        points = " ".join(
            f"{CHART_LEFT + i * step:.1f},{baseline - plot_h * b[name] / top:.1f}"
            for i, b in enumerate(series)
        )
        lines.append(
            {"name": name, "colour": colour, "points": points, "total": sum(b[name] for b in series)}
        )
    label_every = max(1, len(series) // 6)
    labels = [
        {"x": round(CHART_LEFT + i * step, 1), "text": format_time(b["start"], lang, zone, "clock")}
        for i, b in enumerate(series)
        if i % label_every == 0
    ]
    return {
        "width": CHART_W,
        "height": CHART_H,
        "top": CHART_TOP,
        "left": CHART_LEFT,
        "baseline": baseline,
        "max": top,
        "middle": {"y": round(baseline - plot_h / 2, 1), "value": top // 2} if top % 2 == 0 else None,
        "empty": not any(line["total"] for line in lines),
        "bucket_minutes": round((series[1]["start"] - series[0]["start"]) / 60) if len(series) > 1 else 0,
        "lines": lines,
        "labels": labels,
    }
