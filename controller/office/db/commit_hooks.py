"""Callbacks that run once a transaction has committed, never when it rolls back.

``signal(conn, topic)`` inside a transaction marks it; ``subscribe(engine, topic, callback)`` is
called after the COMMIT of every marked transaction on that engine's connections (the audit
sealer is woken this way right after a commit that appended, instead of polling). A transaction
that rolls back calls nothing. Callbacks run on the committing thread: they must be quick (set an
event) and never raise.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.engine import Connection, Engine

log = logging.getLogger(__name__)

_HOOKS = "ambil_commit_hooks"  # attribute on the engine's dialect: the engine's _Hooks


class _Hooks:
    def __init__(self, engine: Engine):
        self.subscribers: dict[str, list[Callable[[], None]]] = {}
        self.pending: dict[int, set[str]] = {}  # id(DBAPI connection) -> topics marked in its transaction
        dialect = engine.dialect
        do_commit, do_rollback = dialect.do_commit, dialect.do_rollback

        # The dialect's own commit, not the engine's "commit" event: that one runs before COMMIT,
        # and a sealer woken then would look before the records are visible.
        def _commit(connection):
            do_commit(connection)
            for topic in self.pending.pop(_key(connection), ()):
                for callback in self.subscribers.get(topic, ()):
                    try:
                        callback()
                    except Exception:  # noqa: BLE001 - the commit happened; a hook must not undo it
                        log.exception("commit hook for %s failed", topic)

        def _rollback(connection):
            self.pending.pop(_key(connection), None)
            do_rollback(connection)

        dialect.do_commit, dialect.do_rollback = _commit, _rollback


def _key(connection) -> int:
    # the dialect is handed the pool's proxy or the DBAPI connection itself: key by the latter
    return id(getattr(connection, "dbapi_connection", connection))


def subscribe(engine: Engine, topic: str, callback: Callable[[], None]) -> None:
    """Call ``callback()`` after each commit on ``engine`` of a transaction that signalled ``topic``."""
    hooks = getattr(engine.dialect, _HOOKS, None)
    if hooks is None:
        hooks = _Hooks(engine)
        setattr(engine.dialect, _HOOKS, hooks)
    hooks.subscribers.setdefault(topic, []).append(callback)


def signal(conn: Connection, topic: str) -> None:
    """Mark the current transaction of ``conn``: ``topic``'s subscribers run after it commits."""
    hooks = getattr(conn.dialect, _HOOKS, None)
    if hooks is not None:  # nobody listens on this engine (a CLI command, a test): nothing to do
        hooks.pending.setdefault(_key(conn.connection), set()).add(topic)
