"""The PostgreSQL rig: an admin engine on $AMBIL_TEST_POSTGRES and a run-unique schema prefix.

Tests make fresh schemas named ``<prefix>_<n>``; every one of them is dropped at the end of the
session. Outside CI an unreachable server skips; with CI=true it fails.
"""

from __future__ import annotations

import itertools
import os
import secrets

import pytest

from controller.office.db import make_engine
from tests.rigs.unavailable import rig_unavailable

PG_URL = os.environ.get("AMBIL_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def pg_admin():
    """An engine on the PostgreSQL test database plus a session-unique schema prefix."""
    engine = make_engine(PG_URL)
    try:
        with engine.connect():
            pass
    except Exception as exc:  # noqa: BLE001 - any failure to connect means "no rig"
        engine.dispose()
        rig_unavailable(
            f"PostgreSQL at {PG_URL} is unreachable ({type(exc).__name__}); set AMBIL_TEST_POSTGRES"
        )
    prefix = f"ambil_test_{secrets.token_hex(4)}"
    yield engine, prefix
    with engine.begin() as conn:
        leftovers = conn.exec_driver_sql(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE %(p)s", {"p": prefix + "%"}
        ).scalars()
        for schema in list(leftovers):
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    engine.dispose()


_schema_numbers = itertools.count(1)


@pytest.fixture
def pg_schema(pg_admin):
    """A fresh, empty schema (dropped afterwards) for a test that starts its own office processes."""
    admin, prefix = pg_admin
    schema = f"{prefix}_s{next(_schema_numbers)}"
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    yield schema
    with admin.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')


def schema_url(schema: str) -> str:
    """The test database's URL with ``schema`` as its search path."""
    return f"{PG_URL}?options=-csearch_path%3D{schema}"
