"""Strings of the locker pages and the loading panel."""

TEXTS = {
    "lockers.title": ("Loker", "Lockers"),
    "lockers.bank": ("Lemari loker {bank}", "Locker bank {bank}"),
    "lockers.lane": ("jalur {lane}", "lane {lane}"),
    "lockers.free_count": ("{n} dari {total} pintu bisa dipakai", "{n} of {total} doors usable"),
    "lockers.no_banks": ("Belum ada lemari loker.", "No locker banks yet."),
    "lockers.legend": ("Keterangan status pintu", "Door states"),
    "lockers.size": ("Ukuran", "Size"),
    "lockers.door_label": ("Loker {bank} pintu {door}", "Locker {bank} door {door}"),
    "lockers.suggested": ("disarankan", "suggested"),
    "lockers.col.title": ("Judul", "Title"),
    "lockers.col.door": ("Pintu", "Door"),
    "lockers.col.action": ("Tindakan", "Action"),
    "lockers.state.free": ("Kosong", "Free"),
    "lockers.state.reserved": ("Dipesan", "Reserved"),
    "lockers.state.loaded": ("Terisi", "Loaded"),
    "lockers.state.awaiting": ("Menunggu diambil", "Awaiting pickup"),
    "lockers.state.collected": ("Sudah diambil", "Collected"),
    "lockers.state.to_retrieve": ("Keluarkan barangnya", "Take the item out"),
    "lockers.state.awaiting_sync": ("Menunggu sinkron jalur", "Waiting for the lane to sync"),
    "lockers.state.uncertain": ("Perlu dicek", "To check"),
    "lockers.state.out_of_order": ("Rusak", "Out of order"),
    "lockers.awaiting.title": ("Menunggu dimuat ke loker", "Waiting to be loaded"),
    "lockers.retrieve.title": ("Ambil kembali barangnya", "Take the items back"),
    "lockers.retrieve.intro": (
        "Dokumen ini kedaluwarsa atau dibatalkan, tetapi barangnya mungkin masih di loker. "
        "Keluarkan barang dari pintunya, lalu konfirmasi pintu kosong. Pintu dapat dipakai lagi "
        "setelah jalur pemiliknya sinkron dengan kantor.",
        "These documents expired or were cancelled, but their items may still be in the lockers. "
        "Take each item out of its door, then confirm the door is empty. The door can be used "
        "again once its lane has synced with the office.",
    ),
    "lockers.retrieve.col.reason": ("Sebab", "Why"),
    "lockers.retrieve.reason.expired": ("Kode kedaluwarsa", "Code expired"),
    "lockers.retrieve.reason.cancelled": ("Dokumen dibatalkan", "Document cancelled"),
    "lockers.retrieve.confirm": ("Barang sudah dikeluarkan, pintu kosong", "Item taken out, door empty"),
    "lockers.retrieved": (
        "Pintu dicatat kosong. Pintu dapat dipakai lagi setelah jalur pemiliknya sinkron.",
        "The door is recorded empty. It can be used again once its lane has synced.",
    ),
    "lockers.load.title": ("Muat ke loker", "Load into a locker"),
    "lockers.load.pick": ("Pilih pintu kosong", "Choose a free door"),
    "lockers.load.move": ("Atau pindah ke pintu lain", "Or move to another door"),
    "lockers.load.pick_link": ("Pilih pintu loker", "Choose a locker door"),
    "lockers.load.open": ("Buka pintu", "Open the door"),
    "lockers.load.reopen": ("Buka lagi pintu {door}", "Open door {door} again"),
    "lockers.load.confirm": ("Barang sudah masuk dan pintu tertutup", "Item is in and the door is closed"),
    "lockers.load.step_put": (
        "Masukkan barang ke loker {bank} pintu {door}.",
        "Put the item into locker {bank} door {door}.",
    ),
    "lockers.load.step_close": ("Tutup pintunya sampai terkunci.", "Close the door until it locks."),
    "lockers.load.step_confirm": (
        "Konfirmasi di bawah; setelah itu dokumen dapat ditandai siap.",
        "Confirm below; then the document can be marked ready.",
    ),
    "lockers.load.done": (
        "Barang sudah dimuat di loker {bank} pintu {door}. Dokumen dapat ditandai siap.",
        "The item is loaded in locker {bank} door {door}. The document can be marked ready.",
    ),
    "lockers.load.not_draft": (
        "Dokumen ini sudah tidak dalam tahap draf.",
        "This document is no longer a draft.",
    ),
    "lockers.load.no_door": (
        "Tidak ada pintu kosong dengan ukuran yang cukup.",
        "No free door of a fitting size.",
    ),
    "lockers.opened": (
        "Pintu terbuka. Masukkan barang, tutup pintu, lalu konfirmasi.",
        "The door is open. Put the item in, close the door, then confirm.",
    ),
    "lockers.not_detected": (
        "Pintu tidak terdeteksi terbuka. Periksa pintunya, lalu buka lagi atau pilih pintu lain.",
        "The door was not seen opening. Check it, then open it again or choose another door.",
    ),
    "lockers.open_failed": (
        "Pintu tidak dapat dibuka oleh jalur. Hubungi teknisi atau pilih pintu lain.",
        "The lane could not open the door. Call a technician or choose another door.",
    ),
    "lockers.loaded": ("Barang tercatat sudah dimuat.", "The item is recorded as loaded."),
    "lockers.unchecked": (
        "Sensor pintu tidak dapat dibaca: pastikan sendiri pintu sudah tertutup.",
        "The door sensor could not be read: make sure yourself that the door is closed.",
    ),
}
