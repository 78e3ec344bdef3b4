"""Exactly one process at a time runs each office background job (several office workers on one
PostgreSQL database): a session-level advisory lock per job, held on its own connection.

SQLite serves one office process (``ambil serve`` refuses ``--workers`` above 1 on it), so there
the lock is always held. If the holder dies, PostgreSQL drops its session and its lock, and the
next worker that asks takes the job over within one period.
"""

from __future__ import annotations

import hashlib
import logging
import threading

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

log = logging.getLogger(__name__)


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory-lock key for ``name`` (the same in every process)."""
    return int.from_bytes(hashlib.sha256(f"ambil:{name}".encode()).digest()[:8], "big", signed=True)


class JobLock:
    """``held()`` is True in the one process that runs the job ``name`` now."""

    def __init__(self, engine: Engine, name: str):
        self.engine = engine
        self.name = name
        self.key: int | None = None  # from the schema and the name, at the first connection
        self._shared = engine.dialect.name != "postgresql"  # SQLite: one office process
        self._conn: Connection | None = None
        self._mutex = threading.Lock()

    def held(self) -> bool:
        """Take the lock if it is free; True while this process holds it (checked each call, so a
        lost connection hands the job to another worker instead of running it twice)."""
        if self._shared:
            return True
        with self._mutex:
            try:
                if self._conn is None:
                    self._conn = self.engine.connect()
                    if self.key is None:  # offices in two schemas of one database are two offices
                        schema = self._conn.execute(text("SELECT current_schema()")).scalar()
                        self.key = lock_key(f"{schema}:{self.name}")
                    got = self._conn.execute(
                        text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}
                    ).scalar()
                    self._conn.commit()
                    if not got:
                        self._drop()
                        return False
                    log.info("this process now runs the office job %s", self.name)
                    return True
                self._conn.execute(text("SELECT 1")).scalar()  # still our session, still our lock
                self._conn.commit()
                return True
            except Exception:  # noqa: BLE001 - a database blip: not ours now, ask again next period
                log.warning("office job %s: lock connection lost", self.name, exc_info=True)
                self._drop()
                return False

    def release(self) -> None:
        """Give the job up (at shutdown), so another worker takes it at once."""
        with self._mutex:
            if self._conn is not None:
                try:
                    self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
                    self._conn.commit()
                except Exception:  # noqa: BLE001 - closing the session releases it anyway
                    pass
            self._drop()

    def _drop(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:  # noqa: BLE001
                pass
            self._conn = None


def serialise_migrations(connection: Connection) -> None:
    """Inside the migration transaction: workers started together migrate one after another
    (the second finds the schema at head), instead of racing to create the same tables."""
    if connection.dialect.name == "postgresql":
        schema = connection.execute(text("SELECT current_schema()")).scalar()
        key = lock_key(f"{schema}:migrations")
        connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})
