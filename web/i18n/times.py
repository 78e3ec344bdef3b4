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


# (below this many seconds, the catalog key and the unit in seconds) for ``ago``
AGO_UNITS = (
    (90, "device.ago", 1),
    (90 * 60, "device.ago_minutes", 60),
    (36 * 3600, "device.ago_hours", 3600),
)


def ago(seconds: float, lang: str) -> str:
    """How long ago, as a person says it: ``12 dtk lalu``, ``5 mnt lalu``, ``3 jam lalu``, ``2 hari lalu``."""
    seconds = max(0.0, seconds)
    for limit, key, unit in AGO_UNITS:
        if seconds < limit:
            return t(lang, key, seconds=round(seconds / unit))
    return t(lang, "device.ago_days", seconds=round(seconds / 86400))


def ago_units(lang: str) -> list[list]:
    """``ago``'s table for a page's own clock (the dashboard ticks between updates): rows of
    [below this many seconds or None, the text with ``{n}``, the unit in seconds]."""
    rows = [[limit, t(lang, key, seconds="{n}"), unit] for limit, key, unit in AGO_UNITS]
    return rows + [[None, t(lang, "device.ago_days", seconds="{n}"), 86400]]
