"""How a lane talks to the office: one small interface, two transports.

``InProcessOfficeClient`` calls the office directly (all-in-one mode); ``HttpOfficeClient``
(``http_office_client.py``) calls the office API with the lane's API key. Both raise
``CodeError`` when the office refuses a code and ``OfficeUnreachable`` when it cannot be asked.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from controller.kernel.grants import Grant


class OfficeClient(ABC):
    """The office as one lane sees it. Methods block; the lane calls them from its worker."""

    @abstractmethod
    def claim(self, *, code_hash: str, claim_id: str, pin: str | None = None) -> Grant:
        """Claim the pickup; ``pin`` is the second factor of a sensitive document."""

    @abstractmethod
    def claim_short(self, *, short_code: str, claim_id: str, pin: str | None = None) -> Grant: ...

    @abstractmethod
    def fetch_pdf(self, claim_id: str) -> bytes: ...

    @abstractmethod
    def report(self, *, claim_id: str, outcome: str, detail: str = "") -> None:
        """Tell the office how a claim ended; idempotent on the office side."""

    @abstractmethod
    def ping(self) -> bool:
        """True when the office answers."""

    @abstractmethod
    def rate(self, *, claim_id: str | None, score: int) -> None:
        """The driver's 1..5 satisfaction rating of a pickup."""

    def heartbeat(self, payload: dict) -> None:
        """Report the lane's health (controller/lane/heartbeat.py); raises when not delivered."""
        raise NotImplementedError("this office client does not take heartbeats")

    def close(self) -> None:
        pass


class InProcessOfficeClient(OfficeClient):
    """All-in-one mode: the office lives in the same process (``fleet`` takes the heartbeats)."""

    def __init__(self, office, lane_id: str, *, fleet=None):
        self._office = office
        self._lane_id = lane_id
        self._fleet = fleet

    def claim(self, *, code_hash: str, claim_id: str, pin: str | None = None) -> Grant:
        extra = {"pin": pin} if pin is not None else {}
        grant = self._office.claim(code_hash=code_hash, claim_id=claim_id, lane_id=self._lane_id, **extra)
        return grant  # the office and the lane share the one Grant class (controller/kernel/)

    def claim_short(self, *, short_code: str, claim_id: str, pin: str | None = None) -> Grant:
        extra = {"pin": pin} if pin is not None else {}
        grant = self._office.claim_short(
            short_code=short_code, claim_id=claim_id, lane_id=self._lane_id, **extra
        )
        return grant  # the office and the lane share the one Grant class (controller/kernel/)

    def fetch_pdf(self, claim_id: str) -> bytes:
        return self._office.claim_pdf(claim_id, self._lane_id)

    def report(self, *, claim_id: str, outcome: str, detail: str = "") -> None:
        self._office.report(claim_id=claim_id, lane_id=self._lane_id, outcome=outcome, detail=detail)

    def ping(self) -> bool:
        return True

    def rate(self, *, claim_id: str | None, score: int) -> None:
        self._office.rate(lane_id=self._lane_id, claim_id=claim_id, score=score)

    def heartbeat(self, payload: dict) -> None:
        if self._fleet is None:
            raise NotImplementedError("no fleet store in this process")
        self._fleet.record(self._lane_id, payload)
