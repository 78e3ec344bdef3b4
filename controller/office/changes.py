"""The fleet's change feed: which lanes changed in a way a person can see, for every office worker.

A writer calls ``notify(conn, lane_ids)`` inside the transaction that makes the change (a lane's
content, its alerts, online/offline). On PostgreSQL that is ``pg_notify`` on a channel named
after the schema, so it is delivered only on commit, to every worker; each worker runs one
listening connection (psycopg 3, in a thread) and fans the lane ids out to its subscribers (the
dashboard streams). On SQLite (one process) the ids wait on the connection and go out when it
commits. A subscriber is a callback ``(lane_ids) -> None`` called from the publishing thread;
``None`` instead of a set means "anything may have changed" (the listener reconnected, or a
row of ``lanes`` was written: a rename, a lane joined or removed, rare and seen on every card).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable

from sqlalchemy import Delete, Insert, Update, event, text
from sqlalchemy.engine import Connection, Engine

log = logging.getLogger(__name__)

Subscriber = Callable[[set[str] | None], None]
EVERYTHING = "*"  # a payload for "any card may have changed" (a lane renamed, added, removed)
MAX_IDS = 100  # more lanes than this in one transaction (a timer taking over): say "everything"
WATCHED = ("lanes",)  # tables whose every write changes what cards show (names, sites, which lanes)


class Changes:
    """Publish lane changes through the database, deliver them to this process's subscribers."""

    def __init__(self, engine: Engine, *, poll_s: float = 1.0):
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"
        self.poll_s = poll_s
        self._subscribers: list[Subscriber] = []
        self._lock = threading.Lock()
        self._channel: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.listening = threading.Event()  # set while the listener holds its LISTEN
        # conn.info key of the lane ids to publish when that connection commits (one per feed:
        # two feeds on one engine must not take each other's)
        self._pending = ("ambil_changes", id(self))
        if not self.postgres:
            event.listen(engine, "commit", self._committed)
            event.listen(engine, "rollback", self._rolled_back)
        # a lane renamed (admin), joined or removed: every writer of ``lanes``, without each one
        # having to know about live pages
        event.listen(engine, "after_execute", self._executed)

    # -- writers -------------------------------------------------------------------------------
    def notify(self, conn: Connection, lane_ids: Iterable[str]) -> None:
        """Announce ``lane_ids`` when ``conn``'s transaction commits (never if it rolls back)."""
        ids = {str(i) for i in lane_ids}
        if not ids:
            return
        if len(ids) > MAX_IDS:
            ids = {EVERYTHING}
        if self.postgres:
            channel = self.channel(conn)
            for lane_id in sorted(ids):  # PostgreSQL folds repeats within one transaction
                conn.execute(text("SELECT pg_notify(:c, :p)"), {"c": channel, "p": lane_id})
        else:
            conn.info.setdefault(self._pending, set()).update(ids)

    def channel(self, conn: Connection) -> str:
        """``ambil:<schema>``: tests (and offices) in other schemas of one database stay apart."""
        if self._channel is None:
            schema = conn.execute(text("SELECT current_schema()")).scalar() or "public"
            self._channel = f"ambil:{schema}"[:63]  # a channel name is at most 63 bytes
        return self._channel

    def _executed(self, conn: Connection, statement, _multi, _params, _options, result) -> None:
        if not isinstance(statement, (Insert, Update, Delete)) or statement.table.name not in WATCHED:
            return
        # an insert counts whatever its rowcount (0 before its RETURNING row is read); an update
        # or delete that matched nothing (the fleet's "site as before?") changes nothing
        if isinstance(statement, Insert) or result.rowcount != 0:
            self.notify(conn, [EVERYTHING])

    def _committed(self, conn: Connection) -> None:
        ids = conn.info.pop(self._pending, None)
        if ids:
            self.publish(ids)

    def _rolled_back(self, conn: Connection) -> None:
        conn.info.pop(self._pending, None)

    # -- readers -------------------------------------------------------------------------------
    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call ``callback`` with each batch of changed lane ids; returns the unsubscribe."""
        with self._lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    def publish(self, lane_ids: set[str] | None) -> None:
        """Hand ``lane_ids`` to every subscriber of this process (a failing one is logged)."""
        with self._lock:
            subscribers = list(self._subscribers)
        if lane_ids is not None and EVERYTHING in lane_ids:
            lane_ids = None
        for callback in subscribers:
            try:
                callback(None if lane_ids is None else set(lane_ids))
            except Exception:  # noqa: BLE001 - one broken stream must not stop the others
                log.exception("change subscriber failed")

    # -- the PostgreSQL listener ---------------------------------------------------------------
    def start(self) -> None:
        """Start this process's listening thread (PostgreSQL only; SQLite needs none)."""
        if not self.postgres or (self._thread is not None and self._thread.is_alive()):
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._listen, name="fleet-changes", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _listen(self) -> None:
        import psycopg
        from psycopg import sql

        dsn = self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        while not self._stop.is_set():
            try:
                with self.engine.connect() as conn:
                    channel = self.channel(conn)
                with psycopg.connect(dsn, autocommit=True) as listener:
                    listener.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
                    self.listening.set()
                    self.publish(None)  # what changed while nobody listened: everything may have
                    while not self._stop.is_set():
                        for note in listener.notifies(timeout=self.poll_s):
                            self.publish({note.payload})
            except Exception:  # noqa: BLE001 - a database restart: listen again shortly
                log.exception("fleet change listener lost its connection")
                self._stop.wait(2.0)
            finally:
                self.listening.clear()
