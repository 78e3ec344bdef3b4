"""What the lane screen says: the text of each screen state, in Bahasa Indonesia and English.

The lane publishes states, error keys and details only (``controller/lane/screen.py``); the text
is chosen here when the screen, its live events or the lane API show a view. A refusal or
problem reads the error's own text (``web/i18n/errors.py``), the same as in the API.
"""

from __future__ import annotations

from web.i18n.errors import ERROR_TEXTS

# (Bahasa Indonesia, English) per state; {page}, {pages}, {door}, {bank} filled from detail
STATE_TEXT: dict[str, tuple[str, str]] = {
    "starting": ("Jalur sedang disiapkan...", "The lane is starting..."),
    "ready": (
        "Selamat datang. Tunjukkan QR pengambilan ke kamera.",
        "Welcome. Show your pickup QR to the camera.",
    ),
    "reading": (
        "Arahkan QR di layar ponsel atau slip Anda ke kamera.",
        "Hold the QR on your phone or slip up to the camera.",
    ),
    "checking": ("Memeriksa kode Anda...", "Checking your code..."),
    "pin_entry": (
        "Dokumen ini dilindungi PIN. Masukkan PIN yang dikirim kepada Anda.",
        "This document is protected by a PIN. Enter the PIN that was sent to you.",
    ),
    "printing": (
        "Mencetak dokumen Anda: halaman {page} dari {pages}",
        "Printing your document: page {page} of {pages}",
    ),
    "take_document": (
        "Silakan ambil dokumen Anda di printer. Terima kasih!",
        "Please take your document from the printer. Thank you!",
    ),
    "door_open": (
        "Pintu loker {door} terbuka. Ambil barang Anda, lalu tutup pintunya.",
        "Locker door {door} is open. Take your item, then close the door.",
    ),
    "offline": (
        "Sistem kantor sedang tidak terhubung. Mohon tunggu atau hubungi petugas.",
        "The office system is not reachable. Please wait or ask the staff.",
    ),
    "out_of_service": (
        "Jalur ini sedang tidak dapat melayani. Silakan menuju loket petugas.",
        "This lane is out of service. Please go to the staff counter.",
    ),
}


def screen_texts(view: dict) -> tuple[str, str]:
    """(Bahasa Indonesia, English) for one view (``LaneView.to_dict()``), details filled in."""
    reason = view.get("reason") or ""
    text_id, text_en = ERROR_TEXTS[reason] if reason else STATE_TEXT[str(view["state"])]
    detail = view.get("detail") or {}
    fill = {"page": "?", "pages": "?", "door": "?", "bank": "", "where_id": "", "where_en": "", **detail}
    return text_id.format(**fill), text_en.format(**fill)


def with_texts(view: dict) -> dict:
    """The view as the screen and the lane API show it: with ``text_id`` and ``text_en``."""
    text_id, text_en = screen_texts(view)
    return {**view, "text_id": text_id, "text_en": text_en}
