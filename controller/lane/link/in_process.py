"""All-in-one mode: the office lives in the same process and is called directly.

The office objects raise the lane's typed errors themselves, so nothing is mapped here.
``office_sync`` is the office's sync service (``controller.office.sync.OfficeSync``) and
``fleet`` its fleet store (heartbeats), both handed in by the composition root.
"""

from __future__ import annotations

from controller.lane.link.port import Grant, OfficeLink


class InProcessOfficeLink(OfficeLink):
    def __init__(self, office, lane_id: str, *, office_sync=None, fleet=None):
        self._office = office
        self._lane_id = lane_id
        self._sync = office_sync
        self._fleet = fleet

    # -- claims --------------------------------------------------------------------------------
    def claim(self, *, code_hash: str, claim_id: str, pin: str | None = None, kinds=None) -> Grant:
        extra = {**({"pin": pin} if pin is not None else {}), **({"kinds": tuple(kinds)} if kinds else {})}
        grant = self._office.claim(code_hash=code_hash, claim_id=claim_id, lane_id=self._lane_id, **extra)
        return grant  # the office and the lane share the one Grant class (controller/kernel/)

    def claim_short(self, *, short_code: str, claim_id: str, pin: str | None = None, kinds=None) -> Grant:
        extra = {**({"pin": pin} if pin is not None else {}), **({"kinds": tuple(kinds)} if kinds else {})}
        grant = self._office.claim_short(
            short_code=short_code, claim_id=claim_id, lane_id=self._lane_id, **extra
        )
        return grant  # the office and the lane share the one Grant class (controller/kernel/)

    def fetch_pdf(self, claim_id: str) -> bytes:
        return self._office.claim_pdf(claim_id, self._lane_id)

    def report(self, *, claim_id: str, outcome: str, detail: str = "") -> None:
        self._office.report(claim_id=claim_id, lane_id=self._lane_id, outcome=outcome, detail=detail)

    def rate(self, *, claim_id: str | None, score: int) -> None:
        self._office.rate(lane_id=self._lane_id, claim_id=claim_id, score=score)

    # -- health --------------------------------------------------------------------------------
    def ping(self) -> bool:
        return True

    def heartbeat(self, payload: dict) -> dict:
        if self._fleet is None:
            raise NotImplementedError("no fleet store in this process")
        return self._fleet.receive(self._lane_id, payload)

    # -- offline sync --------------------------------------------------------------------------
    def _office_sync(self):
        if self._sync is None:
            raise NotImplementedError("no office sync service in this process")
        return self._sync

    def fetch_snapshot(self) -> dict:
        return self._office_sync().snapshot(self._lane_id)

    def report_offline(self, releases: list[dict]) -> list[dict]:
        return self._office_sync().reconcile(self._lane_id, releases)

    def acknowledge(self, *, snapshot_time: float, grace_seconds: float) -> None:
        self._office_sync().acknowledge(
            self._lane_id, snapshot_time=snapshot_time, grace_seconds=grace_seconds
        )
