"""Adds texts written as a dict ``key -> (Bahasa Indonesia, English)`` to the gettext catalogs.

Used once to move ambil's own dicts into ``locale/{id,en}/LC_MESSAGES/ambil.po``, and kept for a
branch that still writes a dict module (``TEXTS = {...}`` or ``ERROR_TEXTS``, see README.md):

    python -m web.i18n.convert web/i18n/lane_commands.py      # then delete that module

A key already in a catalog is left as it is (``--replace`` overwrites it). Runs at development
time only: the running product reads the ``.po`` files (``web/i18n/catalog.py``).
"""

from __future__ import annotations

import argparse
import io
import runpy
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from web.i18n.catalog import DOMAIN, LANGUAGES, po_path


def _read(lang: str) -> Catalog:
    path = po_path(lang)
    if not path.exists():
        return Catalog(locale=lang, domain=DOMAIN, project="ambil", fuzzy=False)
    with path.open("rb") as f:
        return read_po(f, locale=lang, domain=DOMAIN)


def _write(lang: str, catalog: Catalog) -> None:
    path = po_path(lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, omit_header=False, sort_output=False)
    # Babel writes a placeholder bug address when the catalog has none: leave the header clean
    path.write_bytes(buffer.getvalue().replace(b'"Report-Msgid-Bugs-To: EMAIL@ADDRESS\\n"\n', b""))


def merge(texts: dict[str, tuple[str, str]], *, replace: bool = False) -> list[str]:
    """Add ``texts`` to both catalogs; returns the keys added (or replaced)."""
    catalogs = {lang: _read(lang) for lang in LANGUAGES}
    changed = []
    for key, pair in texts.items():
        if key in catalogs["id"] and not replace:
            continue
        for lang, text in zip(LANGUAGES, pair, strict=True):
            existing = catalogs[lang].get(key)
            if existing is not None:  # Catalog.add keeps an existing entry's text
                existing.string, existing.flags = text, existing.flags - {"fuzzy"}
            else:
                catalogs[lang].add(key, string=text)
        changed.append(key)
    for lang, catalog in catalogs.items():
        _write(lang, catalog)
    return changed


def texts_of(path: Path, prefix: str = "") -> dict[str, tuple[str, str]]:
    """The ``TEXTS`` dict of a module file (``ERROR_TEXTS`` keys get the ``error.`` prefix)."""
    names = runpy.run_path(str(path))
    found = dict(names.get("TEXTS", {}))
    found.update({f"error.{key}": pair for key, pair in names.get("ERROR_TEXTS", {}).items()})
    return {prefix + key: pair for key, pair in found.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="+", type=Path, help="dict modules (TEXTS / ERROR_TEXTS)")
    parser.add_argument("--replace", action="store_true", help="overwrite keys already in the catalogs")
    args = parser.parse_args(argv)
    for module in args.modules:
        added = merge(texts_of(module), replace=args.replace)
        print(f"{module}: {len(added)} texts added to {', '.join(map(str, map(po_path, LANGUAGES)))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
