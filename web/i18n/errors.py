"""What each typed error says to a person, in Bahasa Indonesia (first) and English.

One table for the API's error bodies, the pages (``t(lang, "error.<key>")``, served by the catalog
in ``__init__``) and the lane screen's refusals and problems, so an error reads the same
everywhere. The keys are ``controller.kernel.errors.ERROR_KEYS``.
"""

from __future__ import annotations

ERROR_TEXTS: dict[str, tuple[str, str]] = {
    # pickup codes, as the driver meets them at the lane
    "code.malformed": (
        "Kode tidak dikenali. Tunjukkan QR pengambilan dari SMS/e-mail atau slip Anda.",
        "This is not a pickup code. Show the pickup QR from your message or slip.",
    ),
    "code.unknown": (
        "Kode tidak terdaftar. Periksa kode Anda atau hubungi petugas.",
        "Unknown code. Check your code or ask the staff.",
    ),
    "code.expired": (
        "Kode sudah kedaluwarsa. Silakan hubungi petugas di loket.",
        "This code has expired. Please see the staff at the counter.",
    ),
    "code.revoked": (
        "Kode ini sudah dibatalkan atau diganti. Gunakan kode terbaru atau hubungi petugas.",
        "This code was cancelled or replaced. Use your newest code or ask the staff.",
    ),
    "code.already_released": (
        "Dokumen ini sudah diambil. Jika belum Anda terima, hubungi petugas.",
        "This document was already collected. If you did not get it, ask the staff.",
    ),
    "code.in_progress": (
        "Kode ini sedang diproses. Mohon tunggu sebentar.",
        "This code is being processed. Please wait a moment.",
    ),
    "code.wrong_lane": (
        "Dokumen ini diambil di jalur lain. Silakan menuju jalur yang tertera.",
        "This document is collected at another lane. Please go to the lane shown.",
    ),
    "code.locked_out": (
        "Terlalu banyak kode salah. Coba lagi beberapa menit lagi atau hubungi petugas.",
        "Too many wrong codes. Try again in a few minutes or ask the staff.",
    ),
    "code.pin_wrong": (
        "PIN salah. Tunjukkan QR Anda lagi dan masukkan PIN yang benar.",
        "Wrong PIN. Show your QR again and enter the right PIN.",
    ),
    "code.pin_locked": (
        "PIN salah terlalu sering, kode ini dikunci demi keamanan. Silakan hubungi petugas untuk kode baru.",
        "The PIN was wrong too often, so this code is locked for your safety. Ask the staff for a new code.",
    ),
    "code.pin_expired": (
        "Waktu memasukkan PIN habis. Tunjukkan QR Anda lagi.",
        "The time to enter the PIN ran out. Show your QR again.",
    ),
    "code.pin_required": (
        "Masukkan PIN yang dikirim terpisah kepada Anda.",
        "Enter the PIN that was sent to you separately.",
    ),
    "claim.conflict": (
        "Permintaan pengambilan bertentangan dengan yang sudah tercatat. Silakan hubungi petugas.",
        "This pickup request conflicts with one already recorded. Please ask the staff.",
    ),
    # the office as the lane sees it
    "office.unreachable": (
        "Sistem kantor sedang tidak terhubung. Mohon tunggu atau hubungi petugas.",
        "The office system is not reachable. Please wait or ask the staff.",
    ),
    # documents and uploads, as staff and agencies meet them
    "document.not_found": ("Dokumen tidak ditemukan.", "Document not found."),
    "document.bad_state": (
        "Dokumen tidak dapat diubah pada status ini.",
        "The document cannot be changed in its current state.",
    ),
    "document.invalid": ("Data dokumen tidak lengkap atau salah.", "Document data is invalid."),
    "upload.empty": ("Berkas kosong (0 byte).", "The file is empty (0 bytes)."),
    "upload.not_pdf": (
        "Berkas bukan PDF. Unggah dokumen dalam format PDF.",
        "The file is not a PDF. Upload a PDF.",
    ),
    "upload.too_large": ("Berkas melebihi batas ukuran.", "The file is larger than the size limit."),
    "upload.too_many_pages": ("Jumlah halaman melebihi batas.", "The PDF has more pages than allowed."),
    "upload.encrypted": (
        "PDF terkunci kata sandi dan tidak dapat dicetak. Unggah PDF tanpa kata sandi.",
        "The PDF is password-protected and cannot be printed. Upload it without a password.",
    ),
    "upload.damaged": ("PDF rusak dan tidak dapat dibaca.", "The PDF is damaged and cannot be read."),
    "locker.unknown_door": ("Loker atau pintu tidak dikenal.", "Unknown locker bank or door."),
    "locker.door_taken": (
        "Pintu loker ini sedang dipakai dokumen lain.",
        "This locker door holds another document.",
    ),
    "locker.to_retrieve": (
        "Barang lama mungkin masih di dalam pintu ini. Keluarkan, lalu tandai pintu kosong.",
        "The old item may still be inside this door. Take it out, then mark the door empty.",
    ),
    "locker.awaiting_sync": (
        "Pintu ini menunggu jalur pemiliknya sinkron dengan kantor. Pilih pintu lain atau tunggu sebentar.",
        "This door waits for its lane to sync with the office. Choose another door or wait a little.",
    ),
    "locker.not_loaded": (
        "Barang belum dimuat ke loker. Buka pintu, masukkan barang, tutup, lalu konfirmasi.",
        "The item is not loaded yet. Open the door, put the item in, close it, then confirm.",
    ),
    "locker.door_open": (
        "Pintu loker masih terbuka. Tutup pintu lalu konfirmasi lagi.",
        "The locker door still reads open. Close it, then confirm again.",
    ),
    "locker.out_of_order": ("Pintu loker ini sedang rusak.", "This locker door is out of order."),
    "locker.too_small": (
        "Pintu loker ini terlalu kecil untuk dokumen ini.",
        "This locker door is too small for this item.",
    ),
    "lane.unreachable": (
        "Jalur pemilik loker ini tidak dapat dihubungi dari kantor ini.",
        "The lane that owns this locker cannot be reached from this office.",
    ),
    "lane.busy": (
        "Jalur sedang melayani pengambilan. Coba lagi sebentar lagi.",
        "The lane is serving a pickup. Try again in a moment.",
    ),
    # release outcomes and device faults, as the driver meets them
    # uncertain: some or all of it may have come out, so staff check the tray (never a reprint)
    "print.not_confirmed": (
        "Hasil cetak belum dapat dipastikan. Mohon hubungi petugas: petugas akan memeriksa "
        "printer dan menyerahkan dokumen Anda.",
        "The print could not be confirmed. Please ask the staff: they will check the printer "
        "and hand you your document.",
    ),
    # failed: nothing came out, the code works again
    "print.not_printed": (
        "Dokumen tidak tercetak. Dokumen Anda aman: pindai ulang QR Anda atau hubungi petugas.",
        "Your document was not printed. It is safe: scan your QR again or ask the staff.",
    ),
    "print.media_empty": (
        "Kertas printer habis. Dokumen Anda aman: petugas akan mengisi kertas, lalu pindai ulang QR Anda.",
        "The printer is out of paper. Your document is safe: staff will refill it, then scan again.",
    ),
    "print.media_jam": (
        "Kertas macet di printer. Dokumen Anda aman: petugas akan membantu, lalu pindai ulang QR Anda.",
        "Paper jam in the printer. Your document is safe: staff will help, then scan again.",
    ),
    "print.toner_empty": (
        "Tinta/toner printer habis. Dokumen Anda aman: silakan hubungi petugas.",
        "The printer is out of toner. Your document is safe: please ask the staff.",
    ),
    "print.door_open": (
        "Penutup printer terbuka. Petugas akan menutupnya, lalu pindai ulang QR Anda.",
        "A printer cover is open. Staff will close it, then scan again.",
    ),
    "print.offline": (
        "Printer tidak terhubung. Dokumen Anda aman: silakan hubungi petugas.",
        "The printer is offline. Your document is safe: please ask the staff.",
    ),
    "print.aborted": (
        "Printer membatalkan pencetakan. Dokumen Anda aman: pindai ulang QR Anda atau hubungi petugas.",
        "The printer cancelled the print. Your document is safe: scan again or ask the staff.",
    ),
    "door.not_detected": (
        "Pintu loker tidak terdeteksi terbuka. Petugas akan membantu Anda.",
        "The locker door was not seen opening. Staff will help you.",
    ),
    "door.out_of_service": (
        "Pintu loker ini sedang rusak. Petugas akan menyerahkan dokumen Anda.",
        "This locker door is out of order. Staff will hand you your item.",
    ),
    "device.failed": (
        "Perangkat jalur bermasalah. Mohon hubungi petugas.",
        "A lane device failed. Please ask the staff.",
    ),
    # access
    "auth.missing": ("Perlu masuk atau kunci API.", "Login or API key required."),
    "auth.forbidden": ("Anda tidak berhak melakukan ini.", "You are not allowed to do this."),
    "auth.bad_login": ("Nama pengguna atau kata sandi salah.", "Wrong username or password."),
    "auth.locked": (
        "Akun dikunci sementara karena terlalu banyak percobaan gagal. Coba lagi nanti.",
        "The account is locked for a while after too many failed attempts. Try again later.",
    ),
    "auth.csrf": (
        "Formulir kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba lagi.",
        "The form has expired or is not valid. Reload the page and try again.",
    ),
    "auth.weak_password": (
        "Kata sandi minimal 10 karakter.",
        "The password must have at least 10 characters.",
    ),
    "user.exists": ("Nama pengguna sudah dipakai.", "That username is taken."),
    "user.not_found": ("Pengguna tidak ditemukan.", "User not found."),
    "alert.not_found": ("Peringatan tidak ditemukan.", "Alert not found."),
    "lane.not_found": ("Lajur tidak ditemukan.", "Lane not found."),
    "scan.bad_image": (
        "Gambar tidak dapat dibaca. Kirim foto PNG atau JPEG.",
        "The image cannot be read. Send a PNG or JPEG.",
    ),
    "request.invalid": ("Permintaan tidak valid.", "The request is invalid."),
    "request.too_large": (
        "Permintaan terlalu besar. Kirim berkas atau data yang lebih kecil dari batasnya.",
        "The request is too large. Send a file or data smaller than the limit.",
    ),
    "agency.conflict": (
        "Idempotency-Key ini sudah dipakai untuk dokumen dengan referensi lain.",
        "This Idempotency-Key was already used for a document with another reference.",
    ),
    "http.not_found": (
        "Halaman atau alamat ini tidak ada. Periksa alamatnya, atau kembali ke halaman sebelumnya.",
        "This page or address does not exist. Check the address, or go back to the previous page.",
    ),
    "http.method_not_allowed": (
        "Alamat ini tidak dapat dibuka langsung (misalnya setelah memuat ulang). Kembali ke halaman "
        "sebelumnya dan gunakan tombolnya.",
        "This address cannot be opened directly (for example after a reload). Go back to the previous "
        "page and use its button.",
    ),
    "http.error": (
        "Permintaan ini tidak dapat dilayani. Kembali ke halaman sebelumnya dan coba lagi.",
        "This request cannot be served. Go back to the previous page and try again.",
    ),
    "server.error": (
        "Terjadi kesalahan pada server. Coba lagi; bila berulang, hubungi teknisi (rincian ada di log "
        "server).",
        "Something went wrong on the server. Try again; if it happens again, call a technician (the "
        "server log has the details).",
    ),
}
