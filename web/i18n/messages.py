"""The words of the office's messages: the citizen's "ready for pickup" message and technician
alerts, Bahasa Indonesia first, then English. ``CatalogTexts`` is the ``MessageTexts`` the
composition root hands to the office's notifier (``controller/office/notify/messages.py``).
"""

from __future__ import annotations

from datetime import tzinfo

from controller.kernel.zone import DEFAULT_ZONE, load_zone
from web.i18n import t
from web.i18n.alerts import rule_text
from web.i18n.times import format_time


class CatalogTexts:
    """Messages written from the catalogs; ``zone`` (``site.timezone``) is the expiry's zone."""

    def __init__(self, zone: tzinfo | None = None):
        self.zone = zone if zone is not None else load_zone(DEFAULT_ZONE)

    def code_issued(self, *, title: str, link: str, expires_at: float) -> tuple[str, str]:
        texts = []
        for lang in ("id", "en"):
            until = format_time(expires_at, lang, self.zone, "long")
            texts.append(t(lang, "message.code_issued.body", title=title, link=link, until=until))
        return t("id", "message.code_issued.subject", title=title), "\n\n".join(texts) + "\n"

    def alert(self, *, rule: str, lane: str, detail: str) -> tuple[str, str]:
        line_id, line_en = rule_text(rule, lane, "id"), rule_text(rule, lane, "en")
        text = f"{line_id}\n{line_en}\n" + (f"({detail[:200]})\n" if detail else "")
        return t("id", "message.alert.subject", line=line_id), text
