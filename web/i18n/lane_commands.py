"""Texts of commands from the office to a lane (waiting for a lane, a lane that did not answer,
joining lanes on the admin page), each ``key -> (Bahasa Indonesia, English)``."""

TEXTS = {
    "lane_commands.waiting": (
        "Menunggu jalur {lane} membuka pintu…",
        "Waiting for lane {lane} to open the door…",
    ),
    "lane_commands.expired": (
        "Jalur tidak mengambil perintah sebelum batas waktunya: pintu TIDAK dibuka, dan tidak akan "
        "dibuka nanti. Periksa jalurnya, lalu coba lagi.",
        "The lane did not take the command before its deadline: the door was NOT opened, and will "
        "not open later. Check the lane, then try again.",
    ),
    "lane_commands.no_answer": (
        "Jalur menerima perintah tetapi tidak menjawab: pintu mungkin terbuka. Periksa pintunya, "
        "lalu buka lagi.",
        "The lane took the command but did not answer: the door may have opened. Check the door, "
        "then open it again.",
    ),
    "lane_commands.not_opened": (
        "Belum ada pintu yang terbuka untuk dokumen ini: buka pintunya dulu.",
        "No door has opened for this document yet: open the door first.",
    ),
    "lane_commands.open_first": (
        "Konfirmasi hanya setelah jalur melaporkan pintu terbuka.",
        "Confirm only after the lane reported the door open.",
    ),
    "lane_commands.selftest_expired": (
        "Jalur tidak mengambil uji sebelum batas waktunya: uji tidak dijalankan.",
        "The lane did not take the test before its deadline: the test was not run.",
    ),
    "lane_commands.selftest_no_answer": (
        "Jalur menerima uji tetapi tidak menjawab tepat waktu.",
        "The lane took the test but did not answer in time.",
    ),
    "lane_commands.test_reason": (
        "Alasan (wajib bila pintu berisi barang)",
        "Reason (required if the door holds an item)",
    ),
    "lane_commands.test_confirm_held": (
        "Saya tahu pintu ini mungkin berisi barang yang menunggu diambil, dan tetap membukanya",
        "I know this door may hold an item awaiting pickup, and open it anyway",
    ),
    "admin.announced": ("Diumumkan oleh jalur", "Announced by lanes"),
    "admin.announced_help": (
        "Jalur ini melaporkan lemari lokernya. Terima untuk memakainya; pintu yang masih berisi "
        "barang tidak pernah dihapus (ditandai rusak dengan catatan).",
        "These lanes reported their locker banks. Accept to use them; a door that still holds an "
        "item is never dropped (it is flagged out of order with a note).",
    ),
    "admin.accept": ("Terima", "Accept"),
    "admin.accepted": ("Lemari loker jalur diterima.", "The lane's locker banks were accepted."),
    "admin.accepted_flagged": (
        "Diterima; beberapa pintu yang dihapus masih berisi barang dan ditandai rusak.",
        "Accepted; some removed doors still hold items and were flagged out of order.",
    ),
    "admin.bank_now": ("Sekarang", "Now"),
    "admin.bank_new_here": ("baru", "new"),
    "admin.rename": ("Ganti nama", "Rename"),
    "admin.lane_renamed": ("Nama jalur diganti.", "The lane was renamed."),
    "admin.location": ("Letak", "Location"),
    "admin.columns": ("Kolom", "Columns"),
}
