"""What the lane screen shows: one state at a time, its text in both languages, and live updates.

The lane worker publishes a ``LaneView`` on every change; the web layer subscribes and pushes it
to the screen over SSE. Texts for errors come from ``controller.kernel.errors.MESSAGES`` so that a
refusal reads the same on the screen and in the API.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from enum import StrEnum

from controller.kernel.errors import MESSAGES


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


# (Bahasa Indonesia, English) per state; {page}, {pages}, {door}, {bank} filled from detail
STATE_TEXT: dict[LaneState, tuple[str, str]] = {
    LaneState.STARTING: ("Jalur sedang disiapkan...", "The lane is starting..."),
    LaneState.READY: (
        "Selamat datang. Tunjukkan QR pengambilan ke kamera.",
        "Welcome. Show your pickup QR to the camera.",
    ),
    LaneState.READING: (
        "Arahkan QR di layar ponsel atau slip Anda ke kamera.",
        "Hold the QR on your phone or slip up to the camera.",
    ),
    LaneState.CHECKING: ("Memeriksa kode Anda...", "Checking your code..."),
    LaneState.PIN_ENTRY: (
        "Dokumen ini dilindungi PIN. Masukkan PIN yang dikirim kepada Anda.",
        "This document is protected by a PIN. Enter the PIN that was sent to you.",
    ),
    LaneState.PRINTING: (
        "Mencetak dokumen Anda: halaman {page} dari {pages}",
        "Printing your document: page {page} of {pages}",
    ),
    LaneState.TAKE_DOCUMENT: (
        "Silakan ambil dokumen Anda di printer. Terima kasih!",
        "Please take your document from the printer. Thank you!",
    ),
    LaneState.DOOR_OPEN: (
        "Pintu loker {door} terbuka. Ambil barang Anda, lalu tutup pintunya.",
        "Locker door {door} is open. Take your item, then close the door.",
    ),
    LaneState.OFFLINE: (
        "Sistem kantor sedang tidak terhubung. Mohon tunggu atau hubungi petugas.",
        "The office system is not reachable. Please wait or ask the staff.",
    ),
    LaneState.OUT_OF_SERVICE: (
        "Jalur ini sedang tidak dapat melayani. Silakan menuju loket petugas.",
        "This lane is out of service. Please go to the staff counter.",
    ),
}


@dataclass
class LaneView:
    """One screen's worth of state, as pushed to the lane screen and returned by the API."""

    state: LaneState
    text_id: str
    text_en: str
    reason: str = ""  # an error key from MESSAGES for REFUSED / PROBLEM
    detail: dict = field(default_factory=dict)
    seq: int = 0
    at: float = field(default_factory=time.time)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["state"] = str(self.state)
        return data


def make_view(state: LaneState, *, reason: str = "", **detail) -> LaneView:
    if reason:
        msg = MESSAGES[reason]
        text_id, text_en = msg.id, msg.en
    else:
        text_id, text_en = STATE_TEXT[state]
    fill = {"page": "?", "pages": "?", "door": "?", "bank": "", "where_id": "", "where_en": "", **detail}
    return LaneView(
        state=state,
        text_id=text_id.format(**fill),
        text_en=text_en.format(**fill),
        reason=reason,
        detail=detail,
    )


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
