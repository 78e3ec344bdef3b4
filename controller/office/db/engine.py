"""Engines for the office database: SQLite (one site, embedded) or PostgreSQL (many sites)."""

from __future__ import annotations

import collections
import logging
import os
import threading

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine, make_url

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_S = 30.0
READ_ONLY = "ambil_read_only"  # the execution option ``reading`` sets

# Every request thread may hold a connection at once. Sync endpoints and dependencies run in
# anyio's threadpool, 40 tokens by default; the background jobs add one session per job lock (on
# PostgreSQL) plus their own work. SQLAlchemy's default (5 + 10 overflow) made 25 of 40 threads
# wait for a connection under load (issue 13), and on SQLite readers no longer queue behind the
# writer, so they too need a connection each. Connections open lazily, so an idle worker holds
# few; on PostgreSQL mind max_connections (100 by default) when running several workers.
POOL_SIZE = 40
POOL_OVERFLOW = 10


class FairLock:
    """A lock handed to waiters in the order they asked for it.

    SQLite's busy handler is not fair: a writer sleeps and retries, and under load others take the
    lock again and again until its busy timeout runs out ("database is locked", seen with 8 lanes
    claiming at once on a busy machine). Writers of one process queue here first, in order.
    """

    def __init__(self):
        self._mutex = threading.Lock()
        self._held = False
        self._waiters: collections.deque[threading.Event] = collections.deque()

    def acquire(self, timeout: float) -> bool:
        with self._mutex:
            if not self._held and not self._waiters:
                self._held = True
                return True
            turn = threading.Event()
            self._waiters.append(turn)
        if turn.wait(timeout):
            return True  # the lock was handed over to us
        with self._mutex:
            if turn.is_set():  # handed over just as the wait ran out
                return True
            self._waiters.remove(turn)
            return False

    def release(self) -> None:
        with self._mutex:
            if self._waiters:
                self._waiters.popleft().set()  # hand over: the lock stays held
            else:
                self._held = False


_GATES: dict[str, FairLock] = {}
_GATES_LOCK = threading.Lock()


def _write_gate(database: str) -> FairLock:
    """The one FairLock of a database file in this process (engines on one file share it)."""
    key = os.path.realpath(database)
    with _GATES_LOCK:
        return _GATES.setdefault(key, FairLock())


def make_engine(url: str, **kwargs) -> Engine:
    """Create an engine for ``url`` set up for the claim protocol.

    SQLite: WAL, foreign keys on, a busy timeout, and every writing transaction opened with
    ``BEGIN IMMEDIATE`` so that concurrent claims take the write lock up front and serialise
    (SQLAlchemy's documented pysqlite recipe); a connection from ``reading`` opens a plain
    (deferred) ``BEGIN`` instead. PostgreSQL: the psycopg 3 driver, pre-ping on checkout. Both: a
    pool the size of the threadpool. ``kwargs`` go to ``create_engine`` (e.g. ``connect_args``).
    """
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "postgresql":
        kwargs.setdefault("pool_size", POOL_SIZE)
        kwargs.setdefault("max_overflow", POOL_OVERFLOW)
        return create_engine(parsed, pool_pre_ping=True, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, **kwargs)
    raise ValueError(f"unsupported database backend: {parsed.get_backend_name()}")


def _sqlite_engine(url, **kwargs) -> Engine:
    connect_args = {"timeout": SQLITE_BUSY_TIMEOUT_S, **kwargs.pop("connect_args", {})}
    busy_ms = int(float(connect_args["timeout"]) * 1000)
    in_memory = url.database in (None, "", ":memory:")
    if not in_memory:  # a file: a QueuePool, sized like PostgreSQL's (in memory: one shared connection)
        kwargs.setdefault("pool_size", POOL_SIZE)
        kwargs.setdefault("max_overflow", POOL_OVERFLOW)
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

    gate = None if in_memory else _write_gate(url.database)
    holders: dict[int, FairLock] = {}  # id(DBAPI connection) -> the gate it holds

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        if conn.get_execution_options().get(READ_ONLY):
            # a reader: WAL gives it a snapshot without any lock, so it neither waits for writers
            # nor makes them wait (BEGIN IMMEDIATE would queue it behind every claim)
            conn.exec_driver_sql("BEGIN")
            return
        # IMMEDIATE takes the write lock at BEGIN: two claims cannot both read 'ready' and then
        # race to upgrade their locks (which SQLite would answer with SQLITE_BUSY). The gate
        # queues this process's transactions in order first; past its timeout SQLite's own busy
        # handler still applies (other processes, e.g. the CLI, only meet that one).
        dbapi = conn.connection.dbapi_connection
        if gate is not None and gate.acquire(float(connect_args["timeout"])):
            holders[id(dbapi)] = gate
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except Exception:
            _leave(holders, dbapi)
            raise

    # The gate is left once COMMIT or ROLLBACK has run (the engine's "commit" event comes before
    # it): the next writer then finds SQLite's lock free and never sleeps in its busy handler.
    dialect = engine.dialect
    do_commit, do_rollback = dialect.do_commit, dialect.do_rollback

    def _commit(dbapi):
        try:
            do_commit(dbapi)
        finally:
            _leave(holders, dbapi)

    def _rollback(dbapi):
        try:
            do_rollback(dbapi)
        finally:
            _leave(holders, dbapi)

    dialect.do_commit, dialect.do_rollback = _commit, _rollback

    @event.listens_for(engine, "before_cursor_execute", retval=True)
    def _reads_only(conn, cursor, statement, parameters, context, executemany):
        # a write in a deferred transaction would upgrade its lock late and meet SQLITE_BUSY under
        # load: refuse it at once, so a mislabelled reader fails in every test, not in production
        if conn.get_execution_options().get(READ_ONLY) and not _is_read(statement):
            raise RuntimeError(f"a write in a read-only transaction: {statement[:60]!r}")
        return statement, parameters

    return engine


def _is_read(statement: str) -> bool:
    return (
        statement.lstrip()[:6].upper() in ("SELECT", "PRAGMA", "BEGIN")
        or statement.lstrip()[:4].upper() == "WITH"
    )


def reading(engine: Engine) -> Connection:
    """A connection for work that only reads (``with reading(engine) as conn:``).

    On SQLite its transactions begin deferred, so pages, reports and checks never take the write
    lock; a statement that writes is refused. On PostgreSQL it is an ordinary connection.
    """
    return engine.connect().execution_options(**{READ_ONLY: True})


def _leave(holders: dict, connection) -> None:
    # the dialect is handed the pool's proxy or the DBAPI connection itself: key by the latter
    gate = holders.pop(id(getattr(connection, "dbapi_connection", connection)), None)
    if gate is not None:
        gate.release()


def dialect_insert(conn, table):
    """The dialect's ``INSERT`` (SQLite or PostgreSQL), which knows ``ON CONFLICT``."""
    name = conn.dialect.name
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - make_engine admits only these two
        raise ValueError(f"unsupported dialect {name}")
    return insert(table)


def insert_ignore(conn, table, values: dict) -> int:
    """``INSERT ... ON CONFLICT DO NOTHING`` on SQLite and PostgreSQL; returns rows inserted (0 or 1)."""
    # RETURNING, not rowcount: psycopg reports -1 for a skipped conflicting row
    statement = dialect_insert(conn, table).values(**values).on_conflict_do_nothing()
    return len(conn.execute(statement.returning(*table.primary_key.columns)).fetchall())
