"""Fixtures for the printer tests.

The ``cups_server`` rig (tests/rigs/cups_rig.py) is registered for the whole suite by
``pytest_plugins`` in tests/conftest.py; importing it here as well would give this folder its own
copy of the session fixture and start a second cupsd when other folders use the rig too.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import make_pdf


@pytest.fixture
def pdf_file(tmp_path: Path) -> Callable[[int], Path]:
    """Factory: write a real PDF with ``pages`` pages and return its path."""
    counter = itertools.count(1)

    def make(pages: int = 2) -> Path:
        path = tmp_path / f"doc-{next(counter)}-{pages}p.pdf"
        path.write_bytes(make_pdf(pages))
        return path

    return make
