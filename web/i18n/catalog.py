"""The gettext catalogs: ``locale/<lang>/LC_MESSAGES/ambil.po``, read with Babel at first use.

``msgid`` is the text's key (``nav.documents``), ``msgstr`` its text in that language (see
README.md for why). Reading the ``.po`` files themselves, rather than ``.mo`` files compiled at
install, means a fresh clone serves the texts a translator last saved, with no build step that
could go stale. A fuzzy or empty entry counts as missing (the test suite fails on one).
"""

from __future__ import annotations

import threading
from pathlib import Path

LANGUAGES = ("id", "en")
DOMAIN = "ambil"
LOCALE_DIR = Path(__file__).parent / "locale"

_lock = threading.Lock()
_texts: dict[str, dict[str, str]] | None = None


def po_path(lang: str) -> Path:
    """The catalog file of one language."""
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def read(lang: str) -> dict[str, str]:
    """key -> text of one catalog, fuzzy and empty entries left out."""
    from babel.messages.pofile import read_po

    with po_path(lang).open("rb") as f:
        catalog = read_po(f, domain=DOMAIN)
    return {m.id: m.string for m in catalog if m.id and isinstance(m.id, str) and m.string and not m.fuzzy}


def texts() -> dict[str, dict[str, str]]:
    """lang -> key -> text, read once per process."""
    global _texts
    if _texts is None:
        with _lock:
            if _texts is None:
                _texts = {lang: read(lang) for lang in LANGUAGES}
    return _texts
