"""Printer state reasons: CUPS keywords to a ``DeviceState`` and a line for a human.

Shared by the CUPS driver and the simulator so both judge a printer the same way.
"""

from __future__ import annotations

from collections.abc import Iterable

from hardware.status import DeviceState

_SUFFIXES = ("-error", "-warning", "-report")

# Reasons that stop a printer from producing paper, whatever severity suffix a backend gives them.
# A job "completed" while one of these is set is not confirmed (DESIGN section 5).
BLOCKING_REASONS = frozenset(
    {
        "media-empty",
        "media-needed",
        "media-jam",
        "toner-empty",
        "marker-supply-empty",
        "door-open",
        "cover-open",
        "interlock-open",
        "input-tray-missing",
        "output-tray-missing",
        "output-area-full",
        "offline",
        "paused",
        "shutdown",
        "stopped-partly",
        "stopping",
        "timed-out",
    }
)

# Reasons that mean "still printing, but attend to it soon".
ATTENTION_REASONS = frozenset(
    {
        "media-low",
        "toner-low",
        "marker-supply-low",
        "marker-waste-almost-full",
        "developer-low",
        "opc-near-eol",
    }
)

_WORDS = {
    "media-empty": "out of paper",
    "media-needed": "needs paper",
    "media-jam": "paper jam",
    "media-low": "paper low",
    "toner-empty": "out of toner",
    "toner-low": "toner low",
    "marker-supply-empty": "out of ink or toner",
    "marker-supply-low": "ink or toner low",
    "door-open": "door open",
    "cover-open": "cover open",
    "offline": "printer offline",
    "paused": "queue paused",
    "not-accepting-jobs": "queue not accepting jobs",
}


def split_reason(keyword: str) -> tuple[str, str]:
    """``"media-empty-error"`` -> ``("media-empty", "error")``; no suffix gives ``""``."""
    for suffix in _SUFFIXES:
        if keyword.endswith(suffix):
            return keyword[: -len(suffix)], suffix[1:]
    return keyword, ""


def normalize_reasons(keywords: Iterable[str]) -> tuple[list[str], dict[str, str]]:
    """Strip the severity suffixes and drop ``none``.

    Returns the bare reasons (order kept, no duplicates) and each one's severity suffix.
    """
    bare: list[str] = []
    severity: dict[str, str] = {}
    for keyword in keywords:
        if not keyword or keyword == "none":
            continue
        reason, suffix = split_reason(keyword)
        if reason not in severity:
            bare.append(reason)
            severity[reason] = suffix
        elif suffix == "error":
            severity[reason] = suffix
    return bare, severity


def blocking(reason: str, severity: str = "") -> bool:
    """True when this reason stops printing."""
    return severity == "error" or reason in BLOCKING_REASONS


def classify(reasons: list[str], severity: dict[str, str] | None = None) -> tuple[DeviceState, str]:
    """The device state and a short human line for a set of bare reasons."""
    severity = severity or {}
    errors = [r for r in reasons if blocking(r, severity.get(r, ""))]
    warnings = [
        r for r in reasons if r not in errors and (severity.get(r) == "warning" or r in ATTENTION_REASONS)
    ]
    if errors:
        return DeviceState.ERROR, ", ".join(describe(r) for r in errors)
    if warnings:
        return DeviceState.WARNING, ", ".join(describe(r) for r in warnings)
    return DeviceState.OK, "ready"


def describe(reason: str) -> str:
    """A few words for a technician; unknown keywords are shown as they are."""
    return _WORDS.get(reason, reason)
