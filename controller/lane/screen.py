"""What the lane screen shows: one state at a time, with its reason and details, and live updates.

The lane worker publishes a ``LaneView`` on every change; the web layer subscribes and pushes it
to the screen over SSE. ``result_view`` is the one place that says which screen a release's
outcome shows (the release protocol only returns the outcome), and ``fault_of`` the one place
that says whose a refusal is: the driver's code, or the lane. The lane speaks no language: the
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

from controller.kernel.codes import PIN_DIGITS
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
    RATING = "rating"  # the pickup is done (door closed, print taken): how was the service?


# Whose a refusal or problem is. USER: the driver's code is wrong, expired, used, locked (they can
# fix it or ask the staff); LANE: the lane cannot serve (printer out of paper, office unreachable,
# a device failed: not their fault, and they may be told what still works). The screen draws the
# two in different colours and icons; this is the one place that decides which is which.
USER = "user"
LANE = "lane"
LANE_STATES = frozenset({LaneState.PROBLEM, LaneState.OFFLINE, LaneState.OUT_OF_SERVICE})


def fault_of(state: LaneState, reason: str) -> str:
    """``USER``, ``LANE`` or "" (not a refusal) for a view's state and error key."""
    if reason.startswith("code."):
        return USER
    if reason or state in LANE_STATES:
        return LANE
    return ""


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
        data["fault"] = fault_of(self.state, self.reason)
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
    doors: int = 0  # how many doors the bank has (0: not known, the picture shows up to door N)

    def describe(self, bank: str, door: int) -> dict:
        """Where door N is: its row and column, the bank as built (``rows`` x ``columns``, ``doors``)
        for the screen's picture, and the site's own words for the bank's place; the sentence a
        driver reads is web/i18n's (``lane.where``)."""
        row, col = (door - 1) // self.columns + 1, (door - 1) % self.columns + 1
        doors = max(self.doors, door)
        return {
            "row": row,
            "column": col,
            "columns": self.columns,
            "rows": -(-doors // self.columns),
            "doors": doors,
            "place_id": self.where,
            "place_en": self.where_en,
        }


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
        return make_view(LaneState.PIN_ENTRY, digits=PIN_DIGITS)
    state = LaneState.REFUSED if fault_of(LaneState.REFUSED, reason) == USER else LaneState.PROBLEM
    return make_view(state, reason=reason, **outcome.params)  # params fill the text (wrong lane: its name)


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
