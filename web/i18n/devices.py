"""A device's details as a person reads them on the dashboard: ``Pintu: 1 tertutup, 2 terbuka``,
``Terakhir membaca: 12 dtk lalu``, never ``doors={'1': 'closed'}`` or ``last_read_at=1796155319.84``.

The drivers report ``DeviceStatus.info`` as plain values (hardware/); a key has its label in the
catalogs (``device.info.<key>``), a word value its translation (``device.word.<value>``); a key or
word not there yet shows as itself.
"""

from __future__ import annotations

from web.i18n import has, t
from web.i18n.times import ago


def info_lines(info: dict, lang: str, now: float) -> list[str]:
    """One ``label: value`` line per detail, in ``lang``; ``now`` for "... s ago"."""
    return [f"{_label(key, lang)}: {_value(key, value, lang, now)}" for key, value in sorted(info.items())]


def _label(key: str, lang: str) -> str:
    return t(lang, f"device.info.{key}") if has(f"device.info.{key}") else key


def word(value, lang: str) -> str:
    """A device's word (``ready``, ``simulated``) in ``lang``; any other text as it came."""
    text = str(value)
    return t(lang, f"device.word.{text}") if has(f"device.word.{text}") else text


def _value(key: str, value, lang: str, now: float) -> str:
    if value is None:  # a time never set: it never happened (last_read_at: never read)
        return t(lang, "device.never" if key.endswith("_at") else "dashboard.unknown")
    if isinstance(value, bool):
        return t(lang, "dashboard.yes" if value else "dashboard.no")
    if key.endswith("_at") and isinstance(value, int | float):
        return ago(now - value, lang)
    if isinstance(value, dict):
        return ", ".join(f"{k} {_value(str(k), v, lang, now)}" for k, v in value.items()) or "-"
    if isinstance(value, list | tuple):
        return ", ".join(word(item, lang) for item in value) or t(lang, "device.word.none")
    if isinstance(value, float):
        return f"{value:g}"
    return word(value, lang)
