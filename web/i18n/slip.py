"""The words of the printed pickup slip (web/pages/slip.py): Bahasa Indonesia first, an English line."""

TEXTS = {
    "slip.pdf_title": ("Slip pengambilan dokumen", "Document pickup slip"),
    "slip.heading": ("Slip Pengambilan Dokumen", "Document pickup slip"),
    "slip.number_code": ("Kode angka", "number code"),
    "slip.valid_until": ("Berlaku sampai", "valid until"),
    "slip.reference": ("No. {reference}", "No. {reference}"),
    "slip.lane": ("Jalur", "lane"),
    "slip.instruction.show": (
        "Tunjukkan QR ini ke kamera di jalur drive-thru.",
        "Show this QR to the camera at the drive-thru lane.",
    ),
    "slip.instruction.type": (
        "Jika QR tidak terbaca, ketik kode angka di layar.",
        "If the QR is not read, type the number code on the screen.",
    ),
    "slip.instruction.once": (
        "Kode hanya berlaku sekali. Jangan bagikan kepada orang lain.",
        "The code works once. Do not share it with anyone.",
    ),
    "slip.instruction.all": (
        "Tunjukkan QR ini ke kamera di jalur drive-thru, atau ketik kode angka di layar.",
        "Show this QR to the camera at the drive-thru lane, or type the number on the screen.",
    ),
    **{
        f"slip.month.{number}": (name_id, name_en)
        for number, (name_id, name_en) in enumerate(
            zip(
                (
                    "Januari",
                    "Februari",
                    "Maret",
                    "April",
                    "Mei",
                    "Juni",
                    "Juli",
                    "Agustus",
                    "September",
                    "Oktober",
                    "November",
                    "Desember",
                ),
                (
                    "January",
                    "February",
                    "March",
                    "April",
                    "May",
                    "June",
                    "July",
                    "August",
                    "September",
                    "October",
                    "November",
                    "December",
                ),
                strict=True,
            ),
            start=1,
        )
    },  # fmt: skip
}
