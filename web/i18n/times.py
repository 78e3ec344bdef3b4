"""The one way a time is shown to a person: in the site's zone (``site.timezone``), with the
zone's abbreviation (WITA), month names from the catalogs (``time.month.N``, ``time.month_short.N``).

Slips, staff and admin pages, the dashboard, reports and the citizen's message all call
``format_time``; the zone comes from the config (``Config.site.zone()``).
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from web.i18n import t

STYLES = ("short", "long", "seconds", "clock")


def format_time(ts: float | None, lang: str, zone: tzinfo, style: str = "short") -> str:
    """``ts`` (epoch seconds) for people in ``lang``; ``-`` for None.

    ``short``: ``12 Des 2026 14.30 WITA`` / ``12 Dec 2026 14:30 WITA`` (pages);
    ``long``: ``12 Desember 2026, 14.30 WITA`` (slip, messages);
    ``seconds``: ``12 Des 2026 14.30.05 WITA`` (the dashboard); ``clock``: ``14.30`` (chart axes).
    """
    if style not in STYLES:
        raise ValueError(f"unknown time style {style!r}")
    if ts is None:
        return "-"
    moment = datetime.fromtimestamp(ts, zone)
    sep = ":" if lang == "en" else "."
    clock = f"{moment:%H}{sep}{moment:%M}" + (f"{sep}{moment:%S}" if style == "seconds" else "")
    if style == "clock":
        return clock
    abbreviation = moment.strftime("%Z")
    if style == "long":
        return f"{moment.day} {t(lang, f'time.month.{moment.month}')} {moment.year}, {clock} {abbreviation}"
    return f"{moment.day} {t(lang, f'time.month_short.{moment.month}')} {moment.year} {clock} {abbreviation}"
