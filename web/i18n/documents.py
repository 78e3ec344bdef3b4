"""Strings of the staff document pages (list, register, detail, the code shown once), and times."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import tzinfo

from web.i18n import has, t
from web.i18n.times import format_time

# the fixed sentences a lane reports with a release (controller/lane/actuation.py, release.py) as
# catalog keys; any other detail is a device's own diagnostic (an exception, a printer's words)
# for a technician, and is shown as it came
RELEASE_DETAILS = (
    (re.compile(r"door opened"), "documents.detail.door_opened"),
    (re.compile(r"no door sensor"), "documents.detail.no_door_sensor"),
    (re.compile(r"released offline"), "documents.detail.released_offline"),
    (re.compile(r"job (?P<job>\S+) completed"), "documents.detail.job_completed"),
    (re.compile(r"test page printed"), "documents.detail.test_page_printed"),
)


def release_detail(text: str, lang: str) -> str:
    """A lane's release detail in ``lang`` when it is one of the lane's fixed sentences."""
    for pattern, key in RELEASE_DETAILS:
        match = pattern.fullmatch(text.strip())
        if match:
            return t(lang, key, **match.groupdict())
    return text


def format_short_code(digits: str) -> str:
    """Ten digits in two groups of five, as they are read aloud and typed at the lane."""
    return f"{digits[:5]} {digits[5:]}"


def _known(lang: str, *keys: str) -> str | None:
    for key in keys:
        if has(key):
            return t(lang, key)
    return None


def actor_text(
    actor: str,
    lang: str,
    username: Callable[[int], str | None],
    lane_name: Callable[[str], str | None] = lambda lane_id: None,
) -> str:
    """Who did it, as a person reads it: a user's name (``user:7`` -> ``siti``), "system", the
    lane by its name (``lane_name``); another actor (an API key's ``technician:ops``) as it is
    written."""
    kind, _, rest = actor.partition(":")
    if kind == "user" and rest.isdigit():
        return username(int(rest)) or actor
    if actor == "system":
        return _known(lang, "documents.actor.system") or actor
    if kind == "lane":  # the name an admin gave it ("Lajur 1"), else "Lane lane-1"
        return lane_name(rest) or (_known(lang, "documents.actor.lane") or "{lane}").format(lane=rest)
    return actor


def _note(detail: dict, lang: str) -> str:
    """A short, safe summary of an audit detail (code-hash prefixes and claim ids stay off the page)."""
    if "reason" in detail:
        reason = str(detail["reason"])
        return _known(lang, f"documents.history.reason.{reason}", f"error.{reason}") or reason
    if "released" in detail:
        return _known(lang, f"documents.history.released.{'yes' if detail['released'] else 'no'}") or ""
    if detail.get("pages"):
        key = "documents.history.one_page" if detail["pages"] == 1 else "documents.history.pages"
        return (_known(lang, key) or "{pages}").format(pages=detail["pages"])
    return release_detail(str(detail.get("detail") or ""), lang)


def history_rows(
    entries: list[dict],
    lang: str,
    username: Callable[[int], str | None],
    zone: tzinfo,
    lane_name: Callable[[str], str | None] = lambda lane_id: None,
) -> list[dict]:
    """Audit records of a document as rows {when, who, what, note} in ``lang``.

    Known actions read as words (``documents.history.<action>``); an action this module does not
    know yet (added by another part of ambil) shows its name rather than nothing.
    """
    names: dict[str, str] = {}
    rows = []
    for entry in entries:
        actor = entry["actor"]
        if actor not in names:
            names[actor] = actor_text(actor, lang, username, lane_name)
        rows.append(
            {
                "when": format_time(entry["at"], lang, zone),
                "who": names[actor],
                "what": _known(lang, f"documents.history.{entry['action']}") or entry["action"],
                "note": _note(entry.get("detail") or {}, lang),
            }
        )
    return rows
