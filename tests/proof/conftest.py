"""Fixtures for the proof suites: suite sizes, office databases on both backends, figures.

Every suite prints its figures and also hands them to ``figures``; a terminal-summary hook
prints them all at the end of the run, so `.ci/run`'s output carries them without ``-s``.
"""

from __future__ import annotations

import itertools

import pytest

from controller.office.blobs import BlobStore
from controller.office.db import make_engine
from controller.office.db.migrations import migrate
from controller.office.office import Office
from tests.rigs.postgres import PG_URL

SHORT_KEY = b"proof-short-code-key-0123456789"

_collected: list[tuple[str, str]] = []


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not _collected:
        return
    terminalreporter.section("proof figures")
    for suite, line in _collected:
        terminalreporter.write_line(f"{suite}: {line}")


@pytest.fixture
def figures(request):
    """``figures(line)`` prints a figure and keeps it for the end-of-run summary."""

    def record(line: str) -> None:
        print(f"[{request.node.name}] {line}")
        _collected.append((request.node.nodeid.split("::", 1)[-1], line))

    return record


@pytest.fixture
def size(request):
    """``size(default, slow)``: the suite's size, the larger one under ``--slow``."""
    slow = request.config.getoption("--slow")

    def pick(default: int, large: int) -> int:
        return large if slow else default

    return pick


_schema_numbers = itertools.count(1)


@pytest.fixture
def make_db(request, tmp_path):
    """``make_db(backend)`` -> (engine factory, description): a fresh migrated office database.

    The factory makes a new engine on that database each call (one per lane, like separate
    processes would have); every engine made is disposed at the end of the test.
    """
    made = []
    schemas = []

    def make(backend: str):
        if backend == "sqlite":
            url = f"sqlite:///{tmp_path / f'office-{len(made)}.db'}"

            def factory(**kw):
                engine = make_engine(url, **kw)
                made.append(engine)
                return engine

        else:
            admin, prefix = request.getfixturevalue("pg_admin")
            schema = f"{prefix}_{next(_schema_numbers)}"
            with admin.begin() as conn:
                conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
            schemas.append((admin, schema))

            def factory(**kw):
                engine = make_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"}, **kw)
                made.append(engine)
                return engine

        migrated = factory()
        migrate(migrated)
        migrated.dispose()  # its pooled connections back now: a suite may make hundreds of databases
        return factory

    yield make
    for engine in made:
        engine.dispose()
    for admin, schema in schemas:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')


def make_office(engine, tmp_path) -> Office:
    """An Office on ``engine`` with lanes lane-1..lane-64 and a locker bank for lane-1."""
    return Office(engine, BlobStore(tmp_path / "blobs"), SHORT_KEY)
