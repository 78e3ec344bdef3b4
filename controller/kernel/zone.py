"""The site's time zone (``site.timezone``): one loader, used wherever a day is counted (reports)
and, through web/i18n's one formatting function, wherever a time is shown."""

from __future__ import annotations

import logging
from datetime import timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

log = logging.getLogger(__name__)

DEFAULT_ZONE = "Asia/Makassar"  # WITA: Kutai Kartanegara, where ambil was first deployed


def load_zone(name: str) -> tzinfo:
    """The IANA zone ``name``; raises ``ValueError`` for a name the tz database does not know.

    Without a tz database on the machine the default still works: WITA is UTC+8, with no DST.
    """
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        if name == DEFAULT_ZONE:
            log.warning("time zone database missing; using fixed UTC+8 for %s", name)
            return timezone(timedelta(hours=8), "WITA")
        raise ValueError(f"not a time zone of the tz database: {name!r} (e.g. {DEFAULT_ZONE})") from None
