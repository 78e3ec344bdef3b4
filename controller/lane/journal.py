"""The lane's release journal: a local SQLite file written before anything is actuated.

Every release moves through stages, each committed with ``synchronous=FULL`` before the lane
takes the next step, so that after a crash or a power cut the lane knows what it may have done:

- ``claiming``: a claim request is about to be sent (nothing actuated yet);
- ``intent``: the office granted the claim and the lane is about to pulse a door or submit a
  print job (the action is recorded; from here on it is never repeated automatically). INTENT
  also records the pickup's code hash from the grant: a release by short code is journaled with a
  placeholder until then, and recovery and the offline store must know which pickup it consumed;
- ``done``: the outcome is known (released, failed, uncertain, refused, abandoned).

``reported`` says whether the office has acknowledged the outcome.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from controller.kernel.outcomes import CLAIM_OUTCOMES

# Offline releases (controller/lane/offline.py): the pickups synced from the office (hashes only),
# the claims released while the office was away (flagged, reported by reconciliation, not by the
# Reporter), pickups released online since the last sync, and small values (last sync, clock floor).
OFFLINE_SCHEMA = """
CREATE TABLE IF NOT EXISTS offline_pickups (
    code_hash    TEXT PRIMARY KEY,
    pickup_id    INTEGER NOT NULL,
    document_id  INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    locker_bank  TEXT,
    door         INTEGER,
    expires_at   REAL NOT NULL,
    requires_pin INTEGER NOT NULL DEFAULT 0,
    version      TEXT NOT NULL DEFAULT '',
    load_id      TEXT,
    door_load_id TEXT
);
CREATE TABLE IF NOT EXISTS offline_claims (
    claim_id    TEXT PRIMARY KEY,
    code_hash   TEXT NOT NULL,
    pickup_id   INTEGER NOT NULL,
    document_id INTEGER NOT NULL,
    released_at REAL NOT NULL,
    reconciled  INTEGER NOT NULL DEFAULT 0,
    result      TEXT
);
CREATE INDEX IF NOT EXISTS offline_claims_pickup ON offline_claims (pickup_id);
CREATE TABLE IF NOT EXISTS offline_consumed (
    pickup_id INTEGER PRIMARY KEY,
    at        REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS offline_values (
    name  TEXT PRIMARY KEY,
    value REAL NOT NULL
);
"""

SCHEMA = """
CREATE TABLE IF NOT EXISTS releases (
    claim_id   TEXT PRIMARY KEY,
    code_hash  TEXT NOT NULL,
    stage      TEXT NOT NULL CHECK (stage IN ('claiming', 'intent', 'done')),
    action     TEXT,
    outcome    TEXT,
    detail     TEXT NOT NULL DEFAULT '',
    reported   INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS releases_open ON releases (stage, reported);
"""

# outcomes the office needs to hear about; 'refused' was the office's own answer
REPORTABLE = CLAIM_OUTCOMES


@dataclass
class Release:
    claim_id: str
    code_hash: str
    stage: str
    action: dict | None
    outcome: str | None
    detail: str
    reported: bool
    created_at: float
    updated_at: float


class Journal:
    """The durable record of releases. Thread-safe; each call is one committed transaction."""

    def __init__(self, path: Path, *, synchronous: str = "FULL", connect=None):
        """``connect(path_str)`` may supply another autocommit DB-API style connection with
        ``execute`` and ``executescript`` (the power-cut proof runs the journal on an apsw VFS)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        if connect is None:
            self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        else:
            self._db = connect(str(path))
        self._db.execute("PRAGMA journal_mode=WAL")
        # FULL: a committed INTENT survives a power cut (WAL + NORMAL may lose the last commits)
        self._db.execute(f"PRAGMA synchronous={synchronous}")
        self._db.executescript(SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(offline_pickups)").fetchall()}
        if columns and "door_load_id" not in columns:
            # a snapshot from before load ids: a copy the next sync refills, and never granted from
            self._db.execute("DROP TABLE offline_pickups")
        self._db.executescript(OFFLINE_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _write(self, sql: str, args: tuple) -> None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute(sql, args)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def claiming(self, claim_id: str, code_hash: str) -> None:
        now = time.time()
        self._write(
            "INSERT INTO releases (claim_id, code_hash, stage, created_at, updated_at) "
            "VALUES (?, ?, 'claiming', ?, ?)",
            (claim_id, code_hash, now, now),
        )

    def intent(self, claim_id: str, action: dict, *, code_hash: str | None = None) -> None:
        """About to act for ``claim_id``; ``code_hash`` (the grant's) names the pickup it consumes."""
        self._write(
            "UPDATE releases SET stage='intent', action=?, code_hash=COALESCE(?, code_hash), updated_at=? "
            "WHERE claim_id=? AND stage='claiming'",
            (json.dumps(action, sort_keys=True), code_hash, time.time(), claim_id),
        )

    def update_action(self, claim_id: str, action: dict) -> None:
        """Add facts learned while acting (the CUPS job id) without changing the stage."""
        self._write(
            "UPDATE releases SET action=?, updated_at=? WHERE claim_id=?",
            (json.dumps(action, sort_keys=True), time.time(), claim_id),
        )

    def done(self, claim_id: str, outcome: str, detail: str = "") -> None:
        reported = 0 if outcome in REPORTABLE else 1
        self._write(
            "UPDATE releases SET stage='done', outcome=?, detail=?, reported=?, updated_at=? "
            "WHERE claim_id=? AND stage!='done'",
            (outcome, detail, reported, time.time(), claim_id),
        )

    def mark_reported(self, claim_id: str) -> None:
        self._write("UPDATE releases SET reported=1, updated_at=? WHERE claim_id=?", (time.time(), claim_id))

    def get(self, claim_id: str) -> Release | None:
        rows = self._select("SELECT * FROM releases WHERE claim_id=?", (claim_id,))
        return rows[0] if rows else None

    def unfinished(self) -> list[Release]:
        """Releases interrupted before DONE: what recovery must settle."""
        return self._select("SELECT * FROM releases WHERE stage!='done' ORDER BY created_at", ())

    def unreported(self) -> list[Release]:
        """Outcomes the Reporter owes the office; offline claims go by reconciliation instead."""
        return self._select(
            "SELECT * FROM releases WHERE stage='done' AND reported=0 "
            "AND claim_id NOT IN (SELECT claim_id FROM offline_claims) ORDER BY updated_at",
            (),
        )

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One committed write transaction (BEGIN IMMEDIATE) for several statements."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def query(self, sql: str, args: tuple = ()) -> list[tuple]:
        """Rows of a read-only query (used by the offline store)."""
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def recent(self, limit: int = 20) -> list[Release]:
        return self._select("SELECT * FROM releases ORDER BY created_at DESC LIMIT ?", (limit,))

    def _select(self, sql: str, args: tuple) -> list[Release]:
        with self._lock:
            cur = self._db.execute(sql, args)
            names = [c[0] for c in cur.description]
            rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
        return [
            Release(
                claim_id=r["claim_id"],
                code_hash=r["code_hash"],
                stage=r["stage"],
                action=json.loads(r["action"]) if r["action"] else None,
                outcome=r["outcome"],
                detail=r["detail"],
                reported=bool(r["reported"]),
                created_at=r["created_at"],
                updated_at=r["updated_at"],
            )
            for r in rows
        ]
