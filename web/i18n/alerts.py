"""What each technician alert says (dashboard lines and alert messages): ``alert.<rule family>``.

The rules and their severities are the office's (``controller/office/alerts.py``); ``{lane}`` and
``{what}`` (the rest of the rule key: ``door.left_open:A:3`` -> ``A 3``) are filled in here.
"""

from __future__ import annotations

TEXTS = {
    "alert.printer.media_empty": ("Printer {lane} kehabisan kertas", "Printer of {lane} is out of paper"),
    "alert.printer.toner_empty": ("Toner printer {lane} habis", "Toner of {lane} is empty"),
    "alert.printer.toner_low": ("Toner printer {lane} hampir habis", "Toner of {lane} is low"),
    "alert.printer.offline": ("Printer {lane} tidak terhubung", "Printer of {lane} is offline"),
    "alert.scanner.offline": ("Pemindai {lane} tidak berfungsi", "Scanner of {lane} is not working"),
    "alert.locker.offline": (
        "Papan kunci {what} di {lane} tidak menjawab",
        "Lock board {what} of {lane} is offline",
    ),
    "alert.door.left_open": (
        "Pintu {what} di {lane} dibiarkan terbuka",
        "Door {what} of {lane} was left open",
    ),
    "alert.door.forced": ("Pintu {what} di {lane} dibuka paksa", "Door {what} of {lane} was forced open"),
    "alert.lane.offline": ("Lajur {lane} tidak mengirim kabar", "Lane {lane} stopped reporting"),
    "alert.disk.low": ("Disk {lane} hampir penuh ({what})", "Disk of {lane} is almost full ({what})"),
    "alert.clock.unsynced": ("Jam {lane} tidak tersinkron", "Clock of {lane} is not synchronised"),
    "alert.temperature.high": (
        "Suhu CPU {lane} tinggi ({what})",
        "CPU temperature of {lane} is high ({what})",
    ),
    "alert.codes.lockout": ("Terlalu banyak kode salah di {lane}", "Too many wrong codes at {lane}"),
}


def rule_text(rule: str, lane: str, lang: str = "id") -> str:
    """The alert's line in one language (``id`` or ``en``); an unknown rule shows its key."""
    from web.i18n import t  # the package imports this module while it loads the catalog

    family, _, rest = rule.partition(":")
    text = t(lang, f"alert.{family}", lane=lane, what=rest.replace(":", " "))
    return rule if text.startswith("[") else text
