"""What each technician alert says (dashboard lines and alert messages): ``alert.<rule family>``.

The rules and their severities are the office's (``controller/office/alerts.py``); ``{lane}`` and
``{what}`` (the rest of the rule key: ``door.left_open:A:3`` -> ``A 3``) are filled in here.
"""

from __future__ import annotations

from web.i18n import has, t


def rule_text(rule: str, lane: str, lang: str = "id") -> str:
    """The alert's line in one language (``id`` or ``en``); an unknown rule shows its key."""
    family, _, rest = rule.partition(":")
    if not has(f"alert.{family}"):
        return rule
    return t(lang, f"alert.{family}", lane=lane, what=rest.replace(":", " "))


def rule_todo(rule: str, lang: str = "id") -> str:
    """What a technician does about the alert (``alert_todo.<rule family>``); "" for a rule
    without one (every rule of ``controller/office/alerts.py`` has one: tests/web check)."""
    family, _, rest = rule.partition(":")
    key = f"alert_todo.{family}"
    return t(lang, key, what=rest.replace(":", " ")) if has(key) else ""
