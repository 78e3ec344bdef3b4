"""A heartbeat body in (``Fleet`` inherits it): a full report, or a keepalive that stands for the
report the office stored (``controller.kernel.heartbeat``); ``fleet.py`` stores either."""

from __future__ import annotations

import json

from sqlalchemy import select

from controller.kernel import heartbeat as protocol
from controller.kernel.errors import AmbilError
from controller.office.db import reading
from controller.office.db.tables import lane_status


class StaleKeepalive(Exception):
    """A keepalive's stored report was replaced (or removed) before it could be applied."""


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
        with reading(self.engine) as conn:
            stored = conn.execute(
                select(lane_status.c.report).where(
                    lane_status.c.lane_id == lane_id, lane_status.c.digest == of
                )
            ).scalar()
        raised = None
        if stored is not None:
            try:
                raised = self.record(lane_id, protocol.merged(json.loads(stored), body), of)
            except StaleKeepalive:
                pass
        if raised is None:  # another database, a restored one, or a full report just replaced it
            return {"ok": False, protocol.SEND_FULL: True}
        return {"ok": True, "raised": raised, "digest": of}
