"""Finds the text keys the code and the templates use: ``t(lang, "key")`` in Python, ``t('key')``
in Jinja2 templates. Two Babel extraction methods (named in ``babel.cfg``) and ``used_keys`` for
the test that every key used is in the catalogs.

    .venv/bin/pybabel extract -F babel.cfg -o /tmp/ambil.pot .    # the keys used, as a POT

Keys made at run time (``f"error.{key}"``, ``'documents.state.' ~ state``) are not literal and
are not found here; their families are checked against their sources (the error keys, the
lane states, ...) by ``tests/web/test_catalogs.py``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _python_keys(source: str) -> Iterator[tuple[int, str]]:
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if name not in ("t", "both") or not node.args:
            continue
        key = node.args[1] if name == "t" and len(node.args) > 1 else node.args[0]
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            yield node.lineno, key.value


def _template_keys(source: str) -> Iterator[tuple[int, str]]:
    from jinja2 import Environment, nodes

    for node in Environment().parse(source).find_all(nodes.Call):
        if isinstance(node.node, nodes.Name) and node.node.name == "t" and node.args:
            key = node.args[0]
            if isinstance(key, nodes.Const) and isinstance(key.value, str):
                yield node.lineno, key.value


def extract_python(fileobj, keywords, comment_tags, options):
    """Babel extraction method: the literal keys of ``t(lang, "key")`` and ``both("key")`` calls."""
    for lineno, key in _python_keys(fileobj.read().decode("utf-8")):
        yield lineno, None, key, []


def extract_jinja(fileobj, keywords, comment_tags, options):
    """Babel extraction method: the literal keys of ``t('key')`` calls in a Jinja2 template."""
    for lineno, key in _template_keys(fileobj.read().decode("utf-8")):
        yield lineno, None, key, []


def used_keys(root: Path = ROOT) -> dict[str, list[str]]:
    """key -> where it is used (``path:line``), over web/ and its templates."""
    found: dict[str, list[str]] = {}
    sources = [(p, _python_keys) for p in sorted((root / "web").rglob("*.py"))]
    sources += [(p, _template_keys) for p in sorted((root / "web" / "templates").rglob("*.html"))]
    for path, keys in sources:
        for lineno, key in keys(path.read_text(encoding="utf-8")):
            found.setdefault(key, []).append(f"{path.relative_to(root)}:{lineno}")
    return found
