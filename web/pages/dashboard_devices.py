"""A lane's devices as a technician reads them on the dashboard (issue 15): a locker bank as a
small grid of its doors (the bank as built, the lane screen's geometry), paper and toner as
levels with words, the printer's state in words, every detail in the page's language; a detail
the catalogs do not know yet is kept and marked as the device's own text.

``device_views(lane, lang, now)`` turns one lane summary of ``Fleet.lanes()`` into what the
partials ``dashboard/_devices.html``, ``_door_grid.html`` and ``_levels.html`` draw.
"""

from __future__ import annotations

from controller.lane.screen import BankPlacement
from web.i18n import has, t
from web.i18n.devices import info_lines, word

# a sheet count (the simulated printer reports one) drawn against a usual A4 input tray
TRAY_SHEETS = 250
LOW_FRACTION = 0.2  # a level at or under this reads "low"
# info keys a kind's own drawing shows, so they are not listed again as facts
SHOWN = {"locker": {"doors"}, "printer": {"paper", "toner", "markers", "printer_state"}}
PRINTER_STATES = ("idle", "processing", "stopped")


def device_views(lane: dict, lang: str, now: float) -> list[dict]:
    """Each device of ``lane`` (``Fleet.lanes()`` summary) ready for the partials, by key."""
    banks = lane.get("banks") or {}
    return [
        device_view(key, dev, banks, lang, now) for key, dev in sorted((lane.get("devices") or {}).items())
    ]


def device_view(key: str, dev: dict, banks: dict, lang: str, now: float) -> dict:
    """One device: title, state word, reasons and detail as words, and its kind's drawing."""
    kind = dev.get("kind") or key.partition(":")[0]
    info = dict(dev.get("info") or {})
    state = dev.get("state") or "unknown"
    reasons = [device_text(f"device.reason.{r}", r, lang) for r in dev.get("reasons") or []]
    view = {
        "key": key,
        "kind": kind,
        "name": dev.get("name") or key,
        "title": t(lang, f"dashboard.kind.{kind}") if has(f"dashboard.kind.{kind}") else kind,
        "state": state,
        "reasons": reasons,
        # a printer's detail repeats its reasons in English (hardware/printer/reasons.py): the
        # reasons are shown as words instead; other devices' details say more than their reasons
        "detail": None
        if not dev.get("detail") or (reasons and kind == "printer")
        else detail_text(dev["detail"], lang),
        "grid": None,
        "levels": [],
        "says": "",
    }
    if kind == "locker":
        bank = key.partition(":")[2] or view["name"]
        view["grid"] = door_grid(bank, info.get("doors") or {}, banks.get(bank), lang)
    elif kind == "printer":
        printer_state = info.get("printer_state")
        if state == "error":  # "idle" while out of paper is no "ready": say what it means
            view["says"] = t(lang, "dashboard.printer.cannot_print")
        elif printer_state in PRINTER_STATES and state != "offline":
            view["says"] = t(lang, f"dashboard.printer.{printer_state}")
        view["levels"] = levels(info, state, lang)
    shown = SHOWN.get(kind, set())
    view["facts"] = info_lines({k: v for k, v in info.items() if k not in shown}, lang, now)
    return view


def device_text(key: str, text: str, lang: str) -> dict:
    """``{text, known}``: the catalog's words for ``key``, else ``text`` as the device gave it."""
    if has(key):
        return {"text": t(lang, key), "known": True}
    return {"text": text, "known": False}


def detail_text(detail: str, lang: str) -> dict:
    """A device's free-text detail (``simulated``, ``ready``, a driver's diagnostic) in ``lang``."""
    if has(f"device.word.{detail}"):
        return {"text": word(detail, lang), "known": True}
    return {"text": detail, "known": False}


def door_grid(bank: str, sensors: dict, built: dict | None, lang: str) -> dict:
    """The bank's doors where they are (``BankPlacement``: door 1 top left, ``columns`` per row,
    as the lane screen draws it), each with its sensor's word and whether an item is behind it."""
    built = built or {}
    numbers = [int(n) for n in sensors if str(n).isdigit()]
    doors = max([built.get("doors") or 0, *numbers])
    placement = BankPlacement(columns=built.get("columns") or BankPlacement.columns, doors=doors)
    held = set(built.get("held") or [])
    cells = []
    for door in range(1, doors + 1):
        where = placement.describe(bank, door)
        sensor = str(sensors.get(str(door), sensors.get(door, "unknown")))
        cells.append(
            {
                "door": door,
                "row": where["row"],
                "column": where["column"],
                "sensor": sensor,
                "word": word(sensor, lang),
                "held": door in held,
            }
        )
    rows = placement.describe(bank, doors)["rows"] if doors else 0
    return {
        "bank": bank,
        "columns": placement.columns,
        "rows": rows,
        "cells": cells,
        "as_built": bool(built.get("columns")),
    }


def levels(info: dict, state: str, lang: str) -> list[dict]:
    """Paper and toner as ``{name, label, fraction (0..1, None unknown), words, low}``."""
    out = [_paper(info, state, lang)]
    toner = info.get("toner")
    if isinstance(toner, int | float) and not isinstance(toner, bool):
        fraction = max(0.0, min(1.0, toner / 100))
        words = t(lang, "dashboard.level.percent", percent=round(toner))
        out.append(_level("toner", lang, fraction, words))
    return out


def _paper(info: dict, state: str, lang: str) -> dict:
    paper = info.get("paper")
    if state == "offline":
        return _level("paper", lang, None, t(lang, "dashboard.unknown"))
    if paper == "empty" or paper == 0:
        return _level("paper", lang, 0.0, t(lang, "dashboard.level.empty"))
    if paper == "low":
        return _level("paper", lang, LOW_FRACTION / 2, t(lang, "dashboard.level.low"))
    if isinstance(paper, int) and not isinstance(paper, bool):
        fraction = min(1.0, paper / TRAY_SHEETS)
        return _level("paper", lang, fraction, t(lang, "dashboard.level.sheets", n=paper))
    # no tray sensor reading: the printer has not said it is low or empty
    return _level("paper", lang, 1.0, t(lang, "dashboard.level.not_low"))


def _level(name: str, lang: str, fraction: float | None, words: str) -> dict:
    return {
        "name": name,
        "label": t(lang, f"device.info.{name}"),
        "fraction": fraction,
        "percent": None if fraction is None else round(fraction * 100),
        "words": words,
        "low": fraction is not None and fraction <= LOW_FRACTION,
    }


def megabytes(mb: float, lang: str) -> str:
    """A size for a person: ``812 MB``, ``77,5 GB`` (Indonesian decimal comma)."""
    if mb >= 1024:
        text = f"{mb / 1024:.1f}"
        return t(lang, "dashboard.gigabytes", n=text.replace(".", ",") if lang != "en" else text)
    return t(lang, "dashboard.megabytes", n=round(mb))
