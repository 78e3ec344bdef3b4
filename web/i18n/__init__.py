"""User-facing text in Bahasa Indonesia (the default) and English.

Each area of the web pages keeps its strings in its own module (``common``, ``documents``...),
each a dict ``key -> (Bahasa Indonesia, English)``. ``t(lang, key, **values)`` looks one up;
a missing key shows itself (``[key]``) so it is noticed in review, never a crash.
"""

from __future__ import annotations

import importlib
import pkgutil

from fastapi import Request

from controller.kernel.errors import MESSAGES

LANGUAGES = ("id", "en")
DEFAULT = "id"
LANG_COOKIE = "ambil_lang"


def _load() -> dict[str, tuple[str, str]]:
    catalog: dict[str, tuple[str, str]] = {}
    for module in pkgutil.iter_modules(__path__):
        texts = getattr(importlib.import_module(f"{__name__}.{module.name}"), "TEXTS", {})
        catalog.update(texts)
    for key, msg in MESSAGES.items():  # typed errors read the same on pages and in the API
        catalog.setdefault(f"error.{key}", (msg.id, msg.en))
    return catalog


_CATALOG: dict[str, tuple[str, str]] | None = None


def catalog() -> dict[str, tuple[str, str]]:
    global _CATALOG
    if _CATALOG is None:
        _CATALOG = _load()
    return _CATALOG


def t(lang: str, key: str, **values) -> str:
    pair = catalog().get(key)
    if pair is None:
        return f"[{key}]"
    text = pair[1] if lang == "en" else pair[0]
    return text.format(**values) if values else text


def request_lang(request: Request, user_language: str | None = None) -> str:
    """?lang= wins (and is remembered in a cookie), then the user's setting, then the cookie."""
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked
    if user_language in LANGUAGES:
        return user_language
    cookie = request.cookies.get(LANG_COOKIE)
    return cookie if cookie in LANGUAGES else DEFAULT
