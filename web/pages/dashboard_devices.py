"""A lane's devices as a technician reads them on the dashboard (issue 15): a locker bank as a
small grid of its doors (the bank as built, the lane screen's geometry), paper and toner as
levels with words, the printer's state in words, every detail in the page's language; a detail
the catalogs do not know yet is kept and marked as the device's own text.

``device_views(lane, lang, now)`` turns one lane summary of ``Fleet.lanes()`` into what the
partials ``dashboard/_devices.html``, ``_door_grid.html`` and ``_levels.html`` draw.
``door_states(lane)`` is the one reading of a lane's doors (sensor and active alarm, from its
heartbeat) that this grid and the staff's locker grid (``door_marks``) both draw.
"""

from __future__ import annotations

from controller.lane.screen import BankPlacement
from controller.office.alerts import DOOR_ALARMS
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
    doors = door_states(lane)
    return [
        device_view(key, dev, banks, lang, now, doors=doors)
        for key, dev in sorted((lane.get("devices") or {}).items())
    ]


def door_states(lane: dict) -> dict[str, dict[int, dict]]:
    """Each bank's doors as the lane's last heartbeat says them: bank -> door -> ``{sensor,
    alarm}``; ``sensor`` is what the lane read (``open``, ``closed``, ``unknown``), ``alarm`` the
    worst of ``DOOR_ALARMS`` active on the door (its lane's door watch), or None."""
    states: dict[str, dict[int, dict]] = {}
    for key, dev in (lane.get("devices") or {}).items():
        if (dev.get("kind") or key.partition(":")[0]) != "locker":
            continue
        doors = (dev.get("info") or {}).get("doors") or {}
        bank = key.partition(":")[2] or dev.get("name") or key
        read = {int(n): str(s) for n, s in doors.items() if str(n).isdigit()}
        states[bank] = {door: {"sensor": sensor, "alarm": None} for door, sensor in read.items()}
    for alarm in (lane.get("doors") or {}).get("active_alarms") or []:
        kind, door = alarm.get("kind"), alarm.get("door")
        if kind not in DOOR_ALARMS or not isinstance(door, int):
            continue  # a bank-wide alarm (door None) is the lock board's device state
        doors = states.setdefault(str(alarm.get("bank")), {})
        cell = doors.setdefault(door, {"sensor": "unknown", "alarm": None})
        if cell["alarm"] is None or DOOR_ALARMS.index(kind) < DOOR_ALARMS.index(cell["alarm"]):
            cell["alarm"] = kind
    return states


def door_marks(lanes: list[dict], lang: str) -> dict[str, dict[int, dict]]:
    """The doors a person must look at, for the staff's locker grid: bank -> door -> ``{kind,
    words}``, ``kind`` an alarm of ``DOOR_ALARMS`` or ``open`` (a sensor reading open, no alarm:
    a door being loaded or emptied), from ``door_states`` of each lane (``Fleet.lanes()``)."""
    marks: dict[str, dict[int, dict]] = {}
    for lane in lanes:
        for bank, doors in door_states(lane).items():
            for door, state in doors.items():
                if state["alarm"]:
                    mark = {"kind": state["alarm"], "words": t(lang, f"dashboard.alarm.{state['alarm']}")}
                elif state["sensor"] == "open":
                    mark = {"kind": "open", "words": word("open", lang)}
                else:
                    continue
                marks.setdefault(bank, {})[door] = mark
    return marks


def device_view(key: str, dev: dict, banks: dict, lang: str, now: float, doors: dict | None = None) -> dict:
    """One device: title, state word, reasons and detail as words, and its kind's drawing
    (``doors``: the lane's ``door_states``, for a locker bank's grid)."""
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
        states = doors if doors is not None else door_states({"devices": {key: dev}})
        view["grid"] = door_grid(bank, states.get(bank) or {}, banks.get(bank), lang)
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


def door_grid(bank: str, states: dict[int, dict], built: dict | None, lang: str) -> dict:
    """The bank's doors where they are (``BankPlacement``: door 1 top left, ``columns`` per row,
    as the lane screen draws it), each with its sensor's word, its alarm (``states``: the bank's
    ``door_states``) and whether an item is behind it."""
    built = built or {}
    doors = max([built.get("doors") or 0, *states])
    placement = BankPlacement(columns=built.get("columns") or BankPlacement.columns, doors=doors)
    held = set(built.get("held") or [])
    cells = []
    for door in range(1, doors + 1):
        where = placement.describe(bank, door)
        state = states.get(door) or {"sensor": "unknown", "alarm": None}
        alarm = state["alarm"]
        cells.append(
            {
                "door": door,
                "row": where["row"],
                "column": where["column"],
                "sensor": state["sensor"],
                "word": word(state["sensor"], lang),
                "alarm": alarm,
                "alarm_word": t(lang, f"dashboard.alarm.{alarm}") if alarm else "",
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
