"""The words of the office's messages: the citizen's "ready for pickup" message and technician
alerts, Bahasa Indonesia first, then English. ``CatalogTexts`` is the ``MessageTexts`` the
composition root hands to the office's notifier (``controller/office/notify/messages.py``).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from web.i18n import t
from web.i18n.alerts import rule_text


class CatalogTexts:
    """Messages written from the catalogs; ``zone`` is the time zone the expiry is written in."""

    def __init__(self, zone: str = "Asia/Makassar"):
        self.zone = zone

    def code_issued(self, *, title: str, link: str, expires_at: float) -> tuple[str, str]:
        local = datetime.fromtimestamp(expires_at, ZoneInfo(self.zone))
        until = local.strftime("%d-%m-%Y %H:%M") + f" {_zone_label(self.zone)}"
        text_id = t("id", "message.code_issued.body", title=title, link=link, until=until)
        text_en = t("en", "message.code_issued.body", title=title, link=link, until=until)
        return t("id", "message.code_issued.subject", title=title), f"{text_id}\n\n{text_en}\n"

    def alert(self, *, rule: str, lane: str, detail: str) -> tuple[str, str]:
        line_id, line_en = rule_text(rule, lane, "id"), rule_text(rule, lane, "en")
        text = f"{line_id}\n{line_en}\n" + (f"({detail[:200]})\n" if detail else "")
        return t("id", "message.alert.subject", line=line_id), text


def _zone_label(zone: str) -> str:
    return {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}.get(zone, zone)
