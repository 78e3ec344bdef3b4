"""Engines for the office database: SQLite (one site, embedded) or PostgreSQL (many sites)."""

from __future__ import annotations

import logging

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_S = 30.0


def make_engine(url: str, **kwargs) -> Engine:
    """Create an engine for ``url`` set up for the claim protocol.

    SQLite: WAL, foreign keys on, a busy timeout, and every transaction opened with
    ``BEGIN IMMEDIATE`` so that concurrent claims take the write lock up front and serialise
    (SQLAlchemy's documented pysqlite recipe). PostgreSQL: the psycopg 3 driver, pre-ping on
    checkout. ``kwargs`` go to ``create_engine`` (e.g. ``connect_args``).
    """
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "postgresql":
        return create_engine(parsed, pool_pre_ping=True, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, **kwargs)
    raise ValueError(f"unsupported database backend: {parsed.get_backend_name()}")


def _sqlite_engine(url, **kwargs) -> Engine:
    connect_args = {"timeout": SQLITE_BUSY_TIMEOUT_S, **kwargs.pop("connect_args", {})}
    busy_ms = int(float(connect_args["timeout"]) * 1000)
    in_memory = url.database in (None, "", ":memory:")
    engine = create_engine(url, connect_args=connect_args, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Take transaction control away from the sqlite3 module; the "begin" hook emits BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
            if not in_memory:
                cursor.execute("PRAGMA journal_mode=WAL")
                # In WAL mode NORMAL is durable against application crashes; FULL also against power
                # loss, which matters for a record of who collected what.
                cursor.execute("PRAGMA synchronous=FULL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # IMMEDIATE takes the write lock at BEGIN: two claims cannot both read 'ready' and then
        # race to upgrade their locks (which SQLite would answer with SQLITE_BUSY).
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def insert_ignore(conn, table, values: dict) -> int:
    """``INSERT ... ON CONFLICT DO NOTHING`` on SQLite and PostgreSQL; returns rows inserted (0 or 1)."""
    name = conn.dialect.name
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - make_engine admits only these two
        raise ValueError(f"unsupported dialect {name}")
    # RETURNING, not rowcount: psycopg reports -1 for a skipped conflicting row
    statement = insert(table).values(**values).on_conflict_do_nothing()
    return len(conn.execute(statement.returning(*table.primary_key.columns)).fetchall())
