"""Strings of the staff document pages (list, register, detail, the code shown once), and times."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

MONTHS = {
    "id": ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}


def format_time(ts: float | None, lang: str) -> str:
    """A timestamp in the office's local time for people: ``12 Des 2026 14.30`` / ``12 Dec 2026 14:30``."""
    if ts is None:
        return "-"
    moment = datetime.fromtimestamp(ts).astimezone()
    clock = f"{moment:%H.%M}" if lang == "id" else f"{moment:%H:%M}"
    month = MONTHS["en" if lang == "en" else "id"][moment.month - 1]
    return f"{moment.day} {month} {moment.year} {clock}"


def format_short_code(digits: str) -> str:
    """Ten digits in two groups of five, as they are read aloud and typed at the lane."""
    return f"{digits[:5]} {digits[5:]}"


def _known(lang: str, *keys: str) -> str | None:
    from web.i18n import t  # the package imports this module while it loads the catalog

    for key in keys:
        text = t(lang, key)
        if not text.startswith("["):
            return text
    return None


def _actor(actor: str, lang: str, username: Callable[[int], str | None]) -> str:
    kind, _, rest = actor.partition(":")
    if kind == "user" and rest.isdigit():
        return username(int(rest)) or actor
    if actor == "system":
        return _known(lang, "documents.actor.system") or actor
    if kind == "lane":
        return (_known(lang, "documents.actor.lane") or "{lane}").format(lane=rest)
    return actor


def _note(detail: dict, lang: str) -> str:
    """A short, safe summary of an audit detail (code-hash prefixes and claim ids stay off the page)."""
    if "reason" in detail:
        reason = str(detail["reason"])
        return _known(lang, f"documents.history.reason.{reason}", f"error.{reason}") or reason
    if "released" in detail:
        return _known(lang, f"documents.history.released.{'yes' if detail['released'] else 'no'}") or ""
    if detail.get("pages"):
        return (_known(lang, "documents.history.pages") or "{pages}").format(pages=detail["pages"])
    return str(detail.get("detail") or "")


def history_rows(entries: list[dict], lang: str, username: Callable[[int], str | None]) -> list[dict]:
    """Audit records of a document as rows {when, who, what, note} in ``lang``.

    Known actions read as words (``documents.history.<action>``); an action this module does not
    know yet (added by another part of ambil) shows its name rather than nothing.
    """
    names: dict[str, str] = {}
    rows = []
    for entry in entries:
        actor = entry["actor"]
        if actor not in names:
            names[actor] = _actor(actor, lang, username)
        rows.append(
            {
                "when": format_time(entry["at"], lang),
                "who": names[actor],
                "what": _known(lang, f"documents.history.{entry['action']}") or entry["action"],
                "note": _note(entry.get("detail") or {}, lang),
            }
        )
    return rows


TEXTS = {
    "documents.issued.pin": ("PIN (faktor kedua)", "PIN (second factor)"),
    "documents.issued.pin_hint": (
        "Berikan PIN ini kepada warga secara terpisah dari QR (mis. lewat telepon), jangan di slip.",
        "Give this PIN to the citizen separately from the QR (e.g. by phone), never on the slip.",
    ),
    # list
    "documents.title": ("Dokumen", "Documents"),
    "documents.new": ("Daftarkan dokumen", "Register a document"),
    "documents.search": ("Cari judul, nomor referensi atau nomor HP", "Search title, reference or phone"),
    "documents.filter.state": ("Status", "State"),
    "documents.filter.delivery": ("Penyerahan", "Delivery"),
    "documents.filter.kind": ("Jenis", "Kind"),
    "documents.filter.apply": ("Terapkan", "Apply"),
    "documents.filter.reset": ("Hapus filter", "Clear filters"),
    "documents.found": ("{total} dokumen", "{total} documents"),
    "documents.none": ("Tidak ada dokumen yang cocok.", "No documents match."),
    "documents.col.id": ("No.", "No."),
    "documents.col.title": ("Judul", "Title"),
    "documents.col.reference": ("Referensi", "Reference"),
    "documents.col.kind": ("Jenis", "Kind"),
    "documents.col.state": ("Status", "State"),
    "documents.col.phone": ("HP warga", "Citizen's phone"),
    "documents.col.created": ("Didaftarkan", "Registered"),
    "documents.paging": ("Halaman dokumen", "Document pages"),
    # states and delivery
    "documents.state.draft": ("Draf", "Draft"),
    "documents.state.ready": ("Siap diambil", "Ready"),
    "documents.state.released": ("Sudah diambil", "Collected"),
    "documents.state.cancelled": ("Dibatalkan", "Cancelled"),
    "documents.state.expired": ("Kedaluwarsa", "Expired"),
    "documents.state.uncertain": ("Perlu dicek", "To check"),
    "documents.pickup.ready": ("Menunggu diambil", "Awaiting pickup"),
    "documents.pickup.claimed": ("Sedang diserahkan di jalur", "Being released at a lane"),
    "documents.pickup.released": ("Sudah diambil", "Collected"),
    "documents.pickup.revoked": ("Kode dicabut", "Code revoked"),
    "documents.pickup.expired": ("Kode kedaluwarsa", "Code expired"),
    "documents.pickup.uncertain": ("Hasil penyerahan belum pasti", "Release outcome unknown"),
    "documents.delivery.print": ("Cetak", "Print"),
    "documents.delivery.locker": ("Loker", "Locker"),
    # register
    "documents.new.title": ("Daftarkan dokumen", "Register a document"),
    "documents.new.kind": ("Jenis dokumen", "Document kind"),
    "documents.new.kind_hint": ("Jenis menentukan cetak atau loker.", "The kind decides print or locker."),
    "documents.new.doc_title": ("Judul dokumen", "Document title"),
    "documents.new.reference": ("Nomor referensi (opsional)", "Reference number (optional)"),
    "documents.new.citizen": ("Warga penerima", "Citizen"),
    "documents.new.citizen_hint": (
        "Isi nomor HP atau e-mail agar warga dapat menerima kode pengambilan.",
        "Give a phone number or an e-mail so the citizen can receive the pickup code.",
    ),
    "documents.new.citizen_name": ("Nama warga (opsional)", "Citizen's name (optional)"),
    "documents.new.citizen_phone": ("Nomor HP (opsional)", "Phone number (optional)"),
    "documents.new.citizen_email": ("E-mail (opsional)", "E-mail (optional)"),
    "documents.new.print": ("Untuk dokumen cetak", "For a print document"),
    "documents.new.file": ("Berkas PDF (boleh diunggah nanti)", "PDF file (may be added later)"),
    "documents.new.locker": ("Untuk dokumen loker", "For a locker document"),
    "documents.new.door_size": ("Ukuran pintu loker", "Locker door size"),
    "documents.new.door_size_hint": (
        "Pintu dipilih saat barang dimasukkan ke loker.",
        "The door is chosen when the item is loaded.",
    ),
    "documents.new.submit": ("Daftarkan", "Register"),
    "documents.new.need_kind": ("Pilih jenis dokumen.", "Choose a document kind."),
    "documents.new.need_title": ("Judul dokumen wajib diisi.", "A title is required."),
    "documents.new.need_size": ("Pilih ukuran pintu loker.", "Choose a locker door size."),
    "documents.new.no_kinds": (
        "Belum ada jenis dokumen aktif. Minta admin menambahkannya.",
        "There is no active document kind yet. Ask an admin to add one.",
    ),
    "documents.size.S": ("Kecil (S)", "Small (S)"),
    "documents.size.M": ("Sedang (M)", "Medium (M)"),
    "documents.size.L": ("Besar (L)", "Large (L)"),
    # detail
    "documents.detail.title": ("Dokumen No. {id}", "Document No. {id}"),
    "documents.detail.facts": ("Data dokumen", "Document facts"),
    "documents.detail.kind": ("Jenis", "Kind"),
    "documents.detail.delivery": ("Penyerahan", "Delivery"),
    "documents.detail.state": ("Status", "State"),
    "documents.detail.doc_title": ("Judul", "Title"),
    "documents.detail.reference": ("Referensi", "Reference"),
    "documents.detail.citizen": ("Warga", "Citizen"),
    "documents.detail.pages": ("Halaman", "Pages"),
    "documents.detail.door": ("Pintu loker", "Locker door"),
    "documents.detail.door_value": ("Loker {bank}, pintu {door}", "Bank {bank}, door {door}"),
    "documents.detail.door_size": ("Ukuran pintu", "Door size"),
    "documents.detail.created": ("Didaftarkan", "Registered"),
    "documents.detail.pickup": ("Pengambilan", "Pickup"),
    "documents.detail.expires": ("Berlaku sampai", "Valid until"),
    "documents.detail.no_pickup": ("Belum ada kode pengambilan.", "No pickup code yet."),
    "documents.detail.preview": ("Halaman pertama", "First page"),
    "documents.detail.preview_alt": ("Pratinjau halaman pertama PDF", "Preview of the PDF's first page"),
    "documents.detail.no_pdf": ("Belum ada PDF.", "No PDF yet."),
    "documents.detail.upload": ("Unggah atau ganti PDF", "Upload or replace the PDF"),
    "documents.detail.upload_submit": ("Unggah PDF", "Upload PDF"),
    "documents.detail.actions": ("Tindakan", "Actions"),
    "documents.detail.ready": ("Tandai siap & buat kode", "Mark ready & issue the code"),
    "documents.detail.need_pdf": (
        "Unggah PDF dulu sebelum menandai siap.",
        "Upload the PDF before marking it ready.",
    ),
    "documents.detail.load_first": (
        "Masukkan barang ke loker dulu, baru dokumen dapat ditandai siap.",
        "Load the item into the locker first; then the document can be marked ready.",
    ),
    "documents.detail.load_link": ("Buka halaman loker", "Open the lockers page"),
    "documents.detail.reissue": ("Buat kode baru", "Issue a new code"),
    "documents.detail.reissue_hint": (
        "Kode lama langsung tidak berlaku.",
        "The old code stops working at once.",
    ),
    "documents.detail.cancel": ("Batalkan dokumen", "Cancel the document"),
    "documents.detail.cancel_confirm": (
        "Ya, batalkan dokumen ini dan kodenya",
        "Yes, cancel this document and its code",
    ),
    "documents.detail.cancel_unconfirmed": (
        "Centang konfirmasi untuk membatalkan.",
        "Tick the confirmation to cancel.",
    ),
    "documents.detail.resolve": ("Selesaikan penyerahan yang belum pasti", "Resolve the uncertain release"),
    "documents.detail.resolve_hint": (
        "Periksa printer atau pintu loker, lalu pilih yang terjadi.",
        "Check the printer or the locker door, then say what happened.",
    ),
    "documents.detail.resolve_released": ("Dokumen sudah diterima warga", "The citizen did get it"),
    "documents.detail.resolve_not": (
        "Belum diterima: siap diambil lagi",
        "Not collected: make it ready again",
    ),
    "documents.detail.history": ("Riwayat", "History"),
    "documents.detail.retrieve_hint": (
        "Barang dokumen ini mungkin masih di loker {bank} pintu {door}. Keluarkan barangnya, "
        "lalu konfirmasi pintu kosong.",
        "This document's item may still be in locker {bank} door {door}. Take it out, then "
        "confirm the door is empty.",
    ),
    "documents.detail.no_actions": ("Tidak ada tindakan untuk status ini.", "No actions in this state."),
    "documents.flash.created": ("Dokumen terdaftar.", "Document registered."),
    "documents.flash.pdf": ("PDF tersimpan.", "PDF saved."),
    "documents.flash.cancelled": (
        "Dokumen dibatalkan; kodenya tidak berlaku lagi.",
        "Document cancelled; its code no longer works.",
    ),
    "documents.flash.resolved": ("Tersimpan.", "Saved."),
    # the code, shown once
    "documents.issued.title": ("Kode pengambilan", "Pickup code"),
    "documents.issued.once": (
        "Kode ini hanya ditampilkan sekali. Cetak slip atau kirim tautan sekarang.",
        "This code is shown only once. Print the slip or send the link now.",
    ),
    "documents.issued.qr_alt": ("QR pengambilan", "Pickup QR"),
    "documents.issued.short": ("Kode angka", "Number code"),
    "documents.issued.expires": ("Berlaku sampai", "Valid until"),
    "documents.issued.slip": ("Cetak slip (PDF)", "Print slip (PDF)"),
    "documents.issued.link": ("Tautan untuk warga", "Link for the citizen"),
    "documents.issued.link_hint": ("Salin dan kirim kepada warga.", "Copy it and send it to the citizen."),
    "documents.issued.back": ("Kembali ke dokumen", "Back to the document"),
    # history
    "documents.history.document.created": ("Didaftarkan", "Registered"),
    "documents.history.document.pdf_attached": ("PDF diunggah", "PDF uploaded"),
    "documents.history.document.cancelled": ("Dibatalkan", "Cancelled"),
    "documents.history.document.resolved": (
        "Penyerahan yang belum pasti diselesaikan",
        "Uncertain release resolved",
    ),
    "documents.history.pickup.issued": ("Kode pengambilan dibuat", "Pickup code issued"),
    "documents.history.pickup.revoked": ("Kode dicabut", "Code revoked"),
    "documents.history.pickup.expired": ("Kode kedaluwarsa", "Code expired"),
    "documents.history.pickup.claimed": ("Diproses di jalur", "Claimed at a lane"),
    "documents.history.pickup.claim_refused": ("Pengambilan ditolak di jalur", "Refused at a lane"),
    "documents.history.pickup.released": ("Diserahkan kepada warga", "Released to the citizen"),
    "documents.history.pickup.failed": (
        "Penyerahan gagal (dapat diulang)",
        "Release failed (can be retried)",
    ),
    "documents.history.pickup.uncertain": ("Penyerahan belum pasti", "Release uncertain"),
    "documents.history.pickup.abandoned": ("Pengambilan ditinggalkan", "Pickup abandoned"),
    "documents.history.pickup.lease_expired": (
        "Jalur tidak melapor tepat waktu: periksa apakah sudah diserahkan",
        "The lane did not report in time: check whether it was released",
    ),
    "documents.history.pin.refused": ("PIN salah dimasukkan di jalur", "Wrong PIN entered at a lane"),
    "documents.history.pickup.pin_locked": (
        "Kode dikunci setelah PIN salah berulang kali: terbitkan kode baru",
        "Code locked after repeated wrong PINs: reissue it",
    ),
    "documents.history.offline.refused": (
        "Laporan luring dari jalur lain ditolak",
        "Offline report from another lane refused",
    ),
    "documents.history.locker.loaded": ("Barang dimasukkan ke loker", "Item loaded into the locker"),
    "documents.history.locker.opened": ("Pintu loker dibuka petugas", "Locker door opened by staff"),
    "documents.history.locker.item_retrieved": (
        "Barang dikeluarkan petugas; pintu kosong",
        "Item taken out by staff; the door is empty",
    ),
    "documents.history.reason.reissued": ("diganti kode baru", "replaced by a new code"),
    "documents.history.reason.cancelled": ("dokumen dibatalkan", "document cancelled"),
    "documents.history.released.yes": ("sudah diterima", "collected"),
    "documents.history.released.no": ("belum diterima", "not collected"),
    "documents.history.pages": ("{pages} halaman", "{pages} pages"),
    "documents.actor.system": ("Sistem", "System"),
    "documents.actor.lane": ("Jalur {lane}", "Lane {lane}"),
}
