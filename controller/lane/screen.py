"""What the lane screen shows: one state at a time, with its reason and details, and live updates.

The lane worker publishes a ``LaneView`` on every change; the web layer subscribes and pushes it
to the screen over SSE. ``result_view`` is the one place that says which screen a release's
outcome shows (the release protocol only returns the outcome). The lane speaks no language: the
texts of each state and error key are in web/i18n's catalogs (``lane.state.<state>``,
``error.<key>``), so a refusal reads the same on the screen and in the API.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from controller.kernel.outcomes import RELEASED

if TYPE_CHECKING:
    from controller.lane.release import Outcome


class LaneState(StrEnum):
    STARTING = "starting"
    READY = "ready"  # welcome: show your QR
    READING = "reading"  # a car is at the lane: hold the QR up
    CHECKING = "checking"  # a code was read, asking the office
    PIN_ENTRY = "pin_entry"  # a sensitive document: type the PIN sent separately
    PRINTING = "printing"  # page x of y
    TAKE_DOCUMENT = "take_document"  # the print is done
    DOOR_OPEN = "door_open"  # door N is open
    REFUSED = "refused"  # the code cannot be released (reason given)
    PROBLEM = "problem"  # the release failed or is uncertain (what to do given)
    OFFLINE = "offline"  # the office is not reachable
    OUT_OF_SERVICE = "out_of_service"


@dataclass
class LaneView:
    """One screen's worth of state, as pushed to the lane screen and returned by the API."""

    state: LaneState
    reason: str = ""  # an error key (controller.kernel.errors) for REFUSED / PROBLEM
    detail: dict = field(default_factory=dict)
    seq: int = 0
    at: float = field(default_factory=time.time)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["state"] = str(self.state)
        return data


def make_view(state: LaneState, *, reason: str = "", **detail) -> LaneView:
    """A view of ``state``; ``reason`` is the error key of a refusal or problem, ``detail`` fills its text."""
    return LaneView(state=state, reason=reason, detail=detail)


@dataclass(frozen=True)
class BankPlacement:
    """How a locker bank is built and where it stands, so the screen can say where door N is."""

    columns: int = 4
    where: str = ""
    where_en: str = ""

    def describe(self, bank: str, door: int) -> dict:
        """Where door N is (row and column, the site's own words for the bank's place); the
        sentence a driver reads is web/i18n's (``lane.where``)."""
        row, col = (door - 1) // self.columns + 1, (door - 1) % self.columns + 1
        return {"row": row, "column": col, "place_id": self.where, "place_en": self.where_en}


def result_view(outcome: Outcome, placements: Mapping[str, BankPlacement]) -> LaneView:
    """The screen that shows how a release ended (``placements``: bank id -> BankPlacement)."""
    grant, reason = outcome.grant, outcome.reason
    if outcome.outcome == RELEASED:
        if grant is not None and grant.kind == "locker":
            bank = grant.locker_bank or ""
            where = placements.get(bank, BankPlacement()).describe(bank, grant.door)
            return make_view(LaneState.DOOR_OPEN, door=grant.door, bank=bank, **where)
        return make_view(LaneState.TAKE_DOCUMENT)
    if reason == "office.unreachable":
        return make_view(LaneState.OFFLINE)
    if reason == "code.pin_required":
        return make_view(LaneState.PIN_ENTRY)
    if outcome.outcome == "refused" or reason == "code.already_released":  # the citizen's, not the lane's
        return make_view(LaneState.REFUSED, reason=reason)
    return make_view(LaneState.PROBLEM, reason=reason)


class ScreenBus:
    """Holds the current view and tells subscribers about each change (thread-safe)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._seq = 0
        self._view = make_view(LaneState.STARTING)
        self._subscribers: list[Callable[[LaneView], None]] = []

    @property
    def view(self) -> LaneView:
        with self._lock:
            return self._view

    def publish(self, view: LaneView) -> None:
        with self._lock:
            self._seq += 1
            view.seq = self._seq
            self._view = view
            subscribers = list(self._subscribers)
        for notify in subscribers:
            notify(view)

    def subscribe(self, notify: Callable[[LaneView], None]) -> Callable[[], None]:
        """Register ``notify`` (called from the publishing thread); returns an unsubscribe."""
        with self._lock:
            self._subscribers.append(notify)

        def unsubscribe() -> None:
            with self._lock:
                if notify in self._subscribers:
                    self._subscribers.remove(notify)

        return unsubscribe
