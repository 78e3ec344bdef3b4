"""Strings of the citizen page (``/p/{code}``): no login, read on a phone held out of a car."""

TEXTS = {
    "citizen.title": ("Kode pengambilan dokumen", "Document pickup code"),
    "citizen.qr_alt": ("QR pengambilan dokumen Anda", "Your document pickup QR"),
    "citizen.document": ("Dokumen", "Document"),
    "citizen.short": ("Kode angka", "Number code"),
    "citizen.expires": ("Berlaku sampai", "Valid until"),
    "citizen.lane": ("Jalur", "Lane"),
    "citizen.how": ("Cara mengambil", "How to collect"),
    "citizen.step1": (
        "Datang ke jalur drive-thru Mall Pelayanan Publik.",
        "Drive to the drive-thru lane of the public service mall.",
    ),
    "citizen.step2": (
        "Naikkan kecerahan layar, lalu tunjukkan QR ini ke kamera.",
        "Turn your screen brightness up and show this QR to the camera.",
    ),
    "citizen.step3": (
        "Jika QR tidak terbaca, ketik kode angka di layar jalur.",
        "If the QR does not read, type the number code on the lane screen.",
    ),
    "citizen.step4": (
        "Ikuti petunjuk di layar: ambil cetakan atau buka pintu loker yang ditunjukkan.",
        "Follow the screen: take the print, or open the locker door it shows.",
    ),
    "citizen.secret": (
        "Jangan bagikan kode ini: siapa pun yang memegangnya dapat mengambil dokumen Anda.",
        "Do not share this code: whoever holds it can collect your document.",
    ),
    "citizen.in_progress": (
        "Dokumen Anda sedang diserahkan di jalur. Ikuti petunjuk di layar.",
        "Your document is being released at the lane. Follow the screen.",
    ),
    "citizen.not_valid": ("Kode tidak berlaku", "This code is not valid"),
    "citizen.status.released": (
        "Dokumen ini sudah diambil. Jika Anda belum menerimanya, hubungi petugas.",
        "This document has already been collected. If you did not get it, ask the staff.",
    ),
    "citizen.status.cancelled": (
        "Kode ini sudah dibatalkan. Hubungi petugas jika Anda memerlukan bantuan.",
        "This code has been cancelled. Ask the staff if you need help.",
    ),
    "citizen.status.replaced": (
        "Kode ini sudah diganti dengan kode baru dan tidak berlaku lagi. Gunakan kode terbaru Anda.",
        "This code was replaced by a new one and no longer works. Use your newest code.",
    ),
    "citizen.status.expired": (
        "Kode ini sudah kedaluwarsa. Silakan hubungi petugas di loket.",
        "This code has expired. Please see the staff at the counter.",
    ),
    "citizen.status.checking": (
        "Penyerahan dokumen ini sedang diperiksa petugas. Silakan hubungi petugas.",
        "Staff are checking the release of this document. Please ask the staff.",
    ),
    "citizen.status.unknown": (
        "Kode tidak dikenali. Periksa kembali tautan dari pesan Anda.",
        "This code is not recognised. Check the link in your message.",
    ),
}
