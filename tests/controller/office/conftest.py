"""Fixtures for the office tests: a migrated database on SQLite and on PostgreSQL, and sample PDFs."""

from __future__ import annotations

import io
import itertools

import pytest
from pypdf import PdfWriter

from controller.office.blobs import BlobStore
from controller.office.db import make_engine
from controller.office.db.migrations import migrate
from controller.office.office import Office
from tests.rigs.postgres import PG_URL

SHORT_KEY = b"test-short-code-key-0123456789ab"


_schema_numbers = itertools.count(1)


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request, tmp_path):
    """A freshly migrated office database: a SQLite file, or a fresh PostgreSQL schema per test."""
    schema = None
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'office.db'}")
    else:
        admin, prefix = request.getfixturevalue("pg_admin")
        schema = f"{prefix}_{next(_schema_numbers)}"
        with admin.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        eng = make_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    migrate(eng)
    yield eng
    eng.dispose()
    if schema is not None:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')


class FakeClock:
    """A settable clock, so expiry and lockout tests do not sleep."""

    def __init__(self, now: float = 1_750_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def blobs(tmp_path):
    return BlobStore(tmp_path / "blobs")


@pytest.fixture
def office(engine, blobs, clock):
    office = Office(engine, blobs, SHORT_KEY, clock=clock)
    office.ensure_lane("lane-1", "Lajur 1")
    office.ensure_lane("lane-2", "Lajur 2")
    office.ensure_locker_bank("bank-a", "lane-1", doors=4)
    return office


def make_pdf(pages: int = 1, *, password: str | None = None) -> bytes:
    """A real PDF of blank A4 pages, optionally encrypted with a user password."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if password is not None:
        writer.encrypt(password)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


@pytest.fixture
def pdf() -> bytes:
    return make_pdf(2)
