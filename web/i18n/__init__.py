"""User-facing text in Bahasa Indonesia (the default) and English: the one i18n place.

The texts are gettext catalogs, ``locale/{id,en}/LC_MESSAGES/ambil.po`` (``msgid`` = the key,
``msgstr`` = the text), edited by hand or in Poedit and read with Babel (``catalog.py``); how to
add a text, and why keys, is in README.md. ``t(lang, key, **values)`` looks one up and fills its
``{fields}``; a missing key shows itself (``[key]``) so it is noticed in review, never a crash.
The modules here hold what turns keys into sentences: ``errors`` (the text pair of an error key),
``lane_screen`` (a screen state's text), ``speech`` (the lane's spoken prompts), ``alerts``,
``messages`` (the office's messages), ``documents`` (history rows), ``devices`` (device details as
words), ``times`` (the one time formatter), ``extract`` (the keys used in code and templates),
``convert`` (dict -> catalogs).

May import: ``controller.kernel``, ``controller.config``, Babel and FastAPI's Request.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import Request

from controller.kernel.errors import AmbilError
from web.i18n.catalog import LANGUAGES, texts

DEFAULT = "id"
LANG_COOKIE = "ambil_lang"

__all__ = [
    "DEFAULT",
    "LANGUAGES",
    "LANG_COOKIE",
    "both",
    "error_text",
    "has",
    "request_lang",
    "t",
    "watch_keys",
]


# sets that collect every key looked up while they are watched (``watch_keys``): a browser test
# lists the msgids a page rendered and checks each has a translation in both catalogs
_watchers: list[set[str]] = []


@contextmanager
def watch_keys() -> Iterator[set[str]]:
    """Collect the keys ``t`` looks up (from any thread) while the block runs: a test hook."""
    seen: set[str] = set()
    _watchers.append(seen)
    try:
        yield seen
    finally:
        _watchers.remove(seen)


def t(lang: str, key: str, **values) -> str:
    """The text of ``key`` in ``lang`` (``en``, else Bahasa Indonesia), ``{fields}`` from ``values``."""
    for seen in _watchers:
        seen.add(key)
    text = texts()["en" if lang == "en" else "id"].get(key)
    if text is None:
        return f"[{key}]"
    return text.format(**values) if values else text


def both(key: str, **values) -> tuple[str, str]:
    """(Bahasa Indonesia, English) of ``key``: for what is shown or sent in both languages at once."""
    return t("id", key, **values), t("en", key, **values)


def error_text(lang: str, exc: AmbilError) -> str:
    """The text a person reads for ``exc``: ``error.<key>`` with its ``{fields}`` from ``exc.params``
    (``upload.too_large`` names its limit). Every page and API error body takes it from here."""
    return t(lang, f"error.{exc.key}", **exc.params)


def has(key: str) -> bool:
    """Whether the catalogs hold ``key`` (for texts chosen by a key made at run time)."""
    return key in texts()["id"]


def request_lang(request: Request, user_language: str | None = None) -> str:
    """?lang= wins (and is remembered in a cookie), then the user's setting, then the cookie."""
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked
    if user_language in LANGUAGES:
        return user_language
    cookie = request.cookies.get(LANG_COOKIE)
    return cookie if cookie in LANGUAGES else DEFAULT
