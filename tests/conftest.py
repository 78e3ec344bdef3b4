"""Shared fixtures: configs in temp state dirs, PDFs, and the real-server rigs.

Rigs that start real servers (cupsd, uvicorn) live in tests/rigs/. Outside CI a rig that cannot
start skips with its reason; with CI=true it fails instead, so nothing is skipped in `.ci/run`
(``tests.rigs.unavailable.rig_unavailable``). Tests wait with ``tests.rigs.wait.wait_for``.
"""

from __future__ import annotations

import io

import pytest

pytest_plugins = ["tests.rigs.cups_rig", "tests.rigs.browser", "tests.rigs.postgres"]


def pytest_addoption(parser):
    parser.addoption("--slow", action="store_true", help="also run the long suites (large N)")


def pytest_collection_modifyitems(config, items):
    """Without --slow the slow suites are deselected (not skipped: CI's run must show 0 skipped,
    so that a skip always means a rig that could not start)."""
    if config.getoption("--slow"):
        return
    slow = [item for item in items if "slow" in item.keywords]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if "slow" not in item.keywords]


def make_pdf(pages: int = 1, text: str = "ambil test document") -> bytes:
    """A real PDF with ``pages`` pages, each with a line of text."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    # the font the text names, so that renderers (poppler's previews, CUPS filters) draw it
    font = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
            }
        )
    )
    resources = DictionaryObject({NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})})
    for number in range(1, pages + 1):
        page = writer.add_blank_page(width=595, height=842)
        page[NameObject("/Resources")] = resources
        stream = DecodedStreamObject()
        stream.set_data(f"BT /F1 24 Tf 72 760 Td ({text} - page {number}) Tj ET".encode())
        page[NameObject("/Contents")] = writer._add_object(stream)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.fixture
def pdf_bytes() -> bytes:
    return make_pdf(2)


def lane_config(state_dir, **lane):
    """An all-in-one config in ``state_dir`` with fast simulated devices; ``lane`` overrides [lane]."""
    from controller.config import parse_config

    data = {
        "state_dir": str(state_dir),
        "lane": {
            "printer": {"type": "sim", "seconds_per_page": 0.02},
            "lockers": [{"type": "sim", "id": "A", "doors": 4}],
            "result_seconds": 0.3,
            "dedupe_seconds": 3.0,
            "door_open_timeout": 1.0,
            "print_timeout": 10.0,
            **lane,
        },
    }
    return parse_config(data)


@pytest.fixture
def build(tmp_path):
    """``build(drivers=..., role=..., **lane)`` -> an unstarted System (LiveServer starts it)."""
    from web.app import build_system

    def make(*, drivers: dict | None = None, role: str = "all-in-one", **lane):
        config = lane_config(tmp_path / "state", **lane)
        config.role = role
        return build_system(config, **(drivers or {}))

    return make
