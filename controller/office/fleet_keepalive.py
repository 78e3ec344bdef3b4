"""A heartbeat body in (``Fleet`` inherits it): a full report, or a keepalive that stands for the
report the office stored (``controller.kernel.heartbeat``); ``fleet.py`` stores either.

A keepalive costs one ``UPDATE`` when nothing an alert or a chart needs changed: its alert
conditions are the stored content's (remembered per digest: a digest is a hash of the content,
so what it shows never changes, in any worker) plus those of the host health it carries; the
stored report is read only the first time this process meets a digest.
"""

from __future__ import annotations

import json
import threading

from sqlalchemy import select

from controller.kernel import heartbeat as protocol
from controller.kernel.errors import AmbilError
from controller.office.alerts import conditions
from controller.office.db import reading
from controller.office.db.tables import lane_status

MAX_DIGESTS = 20_000  # distinct contents remembered (a fleet has about one per lane)


class StaleKeepalive(Exception):
    """A keepalive's stored report was replaced (or removed) before it could be applied."""


class ContentConditions:
    """digest -> the alert conditions of that content (its host health left out)."""

    def __init__(self):
        self._found: dict[str, dict[str, str]] = {}
        self._lock = threading.Lock()

    def get(self, digest: str) -> dict[str, str] | None:
        return self._found.get(digest)

    def put(self, digest: str, found: dict[str, str]) -> None:
        with self._lock:
            if len(self._found) >= MAX_DIGESTS:
                self._found.clear()
            self._found[digest] = found


class FleetKeepalive:
    """``receive``: what the heartbeat endpoint (and an in-process lane) calls."""

    def receive(self, lane_id: str, body: dict) -> dict:
        """One heartbeat body of ``lane_id``: a full report (any schema) or a keepalive; returns
        the answer for the lane (``digest`` of what is stored, or ``send_full``)."""
        if not isinstance(body, dict):
            raise AmbilError("a heartbeat is a JSON object", key="request.invalid")
        if not protocol.is_keepalive(body):
            raised = self.record(lane_id, body)
            return {"ok": True, "raised": raised, "digest": protocol.digest(body)}
        of = str(body.get("digest") or "")
        try:
            raised = self.record(lane_id, body, of)
        except StaleKeepalive:  # another database, a restored one, or a full report just replaced it
            return {"ok": False, protocol.SEND_FULL: True}
        return {"ok": True, "raised": raised, "digest": of}

    def content_conditions(self, lane_id: str, digest: str) -> dict[str, str]:
        """The alert conditions of the stored content ``digest`` stands for (without the host's);
        ``StaleKeepalive`` when this lane has no stored report of that digest and none is known."""
        found = self._content_found.get(digest)
        if found is not None:
            return found
        with reading(self.engine) as conn:
            stored = conn.execute(
                select(lane_status.c.report).where(
                    lane_status.c.lane_id == lane_id, lane_status.c.digest == digest
                )
            ).scalar()
        if stored is None:
            raise StaleKeepalive(lane_id)
        found = conditions({**json.loads(stored), "host": {}}, self.limits)
        self._content_found.put(digest, found)
        return found
