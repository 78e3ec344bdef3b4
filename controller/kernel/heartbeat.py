"""The heartbeat protocol both sides share: what a report's *content* is, its digest, the
keepalive body and the office's "send the full report" answer (issue 13 point 4).

A lane sends its full report when the content differs from the last one the office acknowledged,
and at least every ``full_every`` seconds; otherwise a keepalive: the digest of that last full
report plus what moves all the time (the counters and the Pi's health, which the alert rules
read). The office keeps the digest of the report it stored and answers a keepalive whose digest it
does not hold (another database, a restored one, a lane it never heard) with ``SEND_FULL``.

Schema 1 (a full report every time, no digest in the answer) still works both ways: an old lane
never sends a keepalive; an old office answers without ``digest``, so a new lane keeps sending
full reports to it.

What counts as content: everything a person or an alert rule sees, minus what changes on every
beat: ``sent_at``, the counters, the Pi's health (sent in every keepalive instead) and the running
numbers in a device's ``info`` (frames, fps, reads, pulses, bus counters: the dashboard shows the
last full report's, refreshed at least every ``full_every``) and a device's ``since`` (some drivers
stamp each poll). A device's state, reasons, detail and its levels (paper, toner, doors, boards,
lights) count.
"""

from __future__ import annotations

import hashlib
import json

SCHEMA = 2
KEEPALIVE = "keepalive"  # the body's ``kind``; a full report has none (schema 1) or "full"
SEND_FULL = "send_full"  # the answer's key when the office does not hold the keepalive's digest
# top-level keys that move on every beat (the keepalive carries the counters and the host)
MOVING = ("sent_at", "counters", "host")
# keys of a device's ``info`` that are running numbers, not states (hardware/*: camera, serial
# scanner, simulators, lock boards); a key not named here counts as content
MOVING_INFO = frozenset(
    ("fps", "frames", "scanned", "skipped", "decoded", "last_read_at", "counters", "count", "delivered")
    + ("reads", "reconnects", "dropped_lines", "pulses")
)
MOVING_DEVICE = ("since",)


def content(report: dict) -> dict:
    """``report`` without what changes on every beat (see the module docstring)."""
    out = {k: v for k, v in report.items() if k not in MOVING and k != "kind"}
    devices = {}
    for key, device in (report.get("devices") or {}).items():
        if isinstance(device, dict):
            device = {k: v for k, v in device.items() if k not in MOVING_DEVICE}
            if isinstance(device.get("info"), dict):
                device["info"] = {k: v for k, v in device["info"].items() if k not in MOVING_INFO}
        devices[key] = device
    if "devices" in report:
        out["devices"] = devices
    return out


def digest(report: dict) -> str:
    """The content's SHA-256 over canonical JSON: the lane and the office compute the same."""
    canonical = json.dumps(content(report), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def keepalive(report: dict, of: str) -> dict:
    """The small body that stands for ``report`` when the office holds digest ``of``."""
    return {
        "schema": SCHEMA,
        "kind": KEEPALIVE,
        "digest": of,
        "sent_at": report.get("sent_at"),
        "counters": report.get("counters") or {},
        "host": report.get("host") or {},
    }


def is_keepalive(body: dict) -> bool:
    return body.get("kind") == KEEPALIVE


def merged(stored: dict, body: dict) -> dict:
    """The full report a keepalive stands for: the stored one with the keepalive's moving parts."""
    return {**stored, **{k: body[k] for k in MOVING if k in body}}
