"""The lane's local copy of what it may release while the office is away, and that decision.

DESIGN section 5: "Offline: only the lane that owns the locker may release, from the pickups it
synced, within a grace period since its last sync." The sync worker (``sync.py``) stores the
office's snapshot here; when a claim raises ``OfficeUnreachable`` the Releaser asks ``grant()``.

A pickup is granted offline only if, all in one journal transaction:
(a) it is in the synced set, (b) its locker bank is one of this lane's, (c) it has not expired by
the trusted clock (``controller/kernel/clock.py``), (d) the last successful sync is within the grace
period, (e) this lane has not released it already (offline, or online since the last sync),
(f) the pickup's load id is the load id its door held in the same snapshot, and the door was not
opened for loading since that snapshot (``forget_door``), and it is a locker pickup without a PIN
(print pickups need the office for their PDF; a PIN is checked by the office's secret key).
The grant is recorded as an offline claim (a flag on the journal's normal claim id) before the
Releaser writes INTENT; reconciliation (``reconcile.py``) reports it.
The synced set holds code hashes only, never codes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from controller.kernel.clock import TrustedClock
from controller.kernel.grants import Grant
from controller.kernel.outcomes import BLOCKING_OUTCOMES
from controller.lane.journal import Journal

log = logging.getLogger(__name__)

DEFAULT_GRACE_SECONDS = 4 * 3600.0
CONSUMED_KEEP_SECONDS = 30 * 86400.0  # online releases remembered this long against old snapshots
# journal outcomes after which a pickup may not be released offline again


@dataclass(frozen=True)
class Refusal:
    """Why a pickup cannot be released offline (logged; the driver sees "office unreachable")."""

    # not_synced | other_lane | expired | grace_over | already_released | needs_office | load_mismatch
    reason: str


class OfflineStore:
    """Synced pickups, offline claims, the last sync time and the clock floor, in the journal DB."""

    def __init__(
        self,
        journal: Journal,
        *,
        banks: Iterable[str],
        grace_seconds: float = DEFAULT_GRACE_SECONDS,
        clock: TrustedClock | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ):
        self.journal = journal
        self.banks = frozenset(banks)
        self.grace_seconds = grace_seconds
        self._mono = monotonic
        self._synced_mono: float | None = None  # monotonic time of this boot's last sync
        self.clock = clock if clock is not None else TrustedClock(self)

    # -- the clock floor (TrustedClock's FloorStore) -------------------------------------------
    def load_floor(self) -> float | None:
        return self._value("clock_floor")

    def save_floor(self, value: float) -> None:
        self._set_max("clock_floor", value)

    def _value(self, name: str) -> float | None:
        rows = self.journal.query("SELECT value FROM offline_values WHERE name=?", (name,))
        return rows[0][0] if rows else None

    def _set_max(self, name: str, value: float) -> None:
        with self.journal.transaction() as db:
            db.execute(
                "INSERT INTO offline_values (name, value) VALUES (?, ?) "
                "ON CONFLICT (name) DO UPDATE SET value = MAX(value, excluded.value)",
                (name, value),
            )

    # -- sync ---------------------------------------------------------------------------------
    def replace(self, pickups: list[dict], *, office_time: float) -> int:
        """Store a full snapshot from the office (one transaction) and the time of this sync."""
        rows = [
            (
                p["code_hash"],
                int(p["pickup_id"]),
                int(p["document_id"]),
                p["kind"],
                p.get("locker_bank"),
                p.get("door"),
                float(p["expires_at"]),
                1 if p.get("requires_pin") else 0,
                str(p.get("version", "")),
                p.get("load_id"),
                p.get("door_load_id"),
            )
            for p in pickups
        ]
        with self.journal.transaction() as db:
            db.execute("DELETE FROM offline_pickups")
            db.executemany(
                "INSERT OR REPLACE INTO offline_pickups VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
            )
            db.execute(
                "INSERT INTO offline_values (name, value) VALUES ('last_sync', ?) "
                "ON CONFLICT (name) DO UPDATE SET value = MAX(value, excluded.value)",
                (float(office_time),),
            )
            db.execute("DELETE FROM offline_consumed WHERE at < ?", (office_time - CONSUMED_KEEP_SECONDS,))
        self._synced_mono = self._mono()
        self.clock.observe_office_time(office_time)
        return len(rows)

    def last_sync(self) -> float | None:
        """Office time of the last successful sync (None: never synced)."""
        return self._value("last_sync")

    def seconds_since_sync(self) -> float | None:
        """How long since the last sync, by the larger of the trusted clock and this boot's
        monotonic clock (a clock set back must not stretch the grace period)."""
        last = self.last_sync()
        if last is None:
            return None
        elapsed = self.clock.now() - last
        if self._synced_mono is not None:
            elapsed = max(elapsed, self._mono() - self._synced_mono)
        return elapsed

    def forget_door(self, bank: str, door: int) -> int:
        """The door was opened for loading: what the snapshot says is in it may be gone, so no
        synced pickup of that door is released offline until the next sync. Returns how many."""
        with self.journal.transaction() as db:
            return db.execute(
                "DELETE FROM offline_pickups WHERE locker_bank=? AND door=?", (bank, int(door))
            ).rowcount

    def note_consumed(self, pickup_id: int) -> None:
        """A pickup was released (or may have been) online: never release it offline."""
        with self.journal.transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO offline_consumed (pickup_id, at) VALUES (?, ?)",
                (int(pickup_id), self.clock.now()),
            )

    # -- the decision -------------------------------------------------------------------------
    def released_offline(self, code_hash: str) -> bool:
        """True when this lane released (or may have released) ``code_hash`` offline."""
        return bool(
            self.journal.query(
                "SELECT 1 FROM offline_claims o JOIN releases r ON r.claim_id = o.claim_id "
                "WHERE o.code_hash=? AND (r.outcome IS NULL OR r.outcome IN (?, ?)) LIMIT 1",
                (code_hash, *BLOCKING_OUTCOMES),
            )
        )

    def document_released_unreconciled(self, document_id: int) -> bool:
        """True when this lane released (or may have released) an item of ``document_id`` offline
        and the office has not acknowledged it yet: it may grant that document again meanwhile
        (another of its codes, or a short code, which names its pickup only in the grant)."""
        return bool(
            self.journal.query(
                "SELECT 1 FROM offline_claims o JOIN releases r ON r.claim_id = o.claim_id "
                "WHERE o.document_id=? AND o.reconciled=0 AND (r.outcome IS NULL OR r.outcome IN (?, ?)) "
                "LIMIT 1",
                (int(document_id), *BLOCKING_OUTCOMES),
            )
        )

    def grant(self, *, claim_id: str, code_hash: str, pin: str | None = None) -> Grant | Refusal:
        """Decide an offline release of ``code_hash`` under ``claim_id`` (already journaled as
        claiming) and, when granted, record the offline claim in the same transaction."""
        since = self.seconds_since_sync()
        now = self.clock.now()
        with self.journal.transaction() as db:
            row = db.execute(
                "SELECT pickup_id, document_id, kind, locker_bank, door, expires_at, requires_pin, "
                "load_id, door_load_id FROM offline_pickups WHERE code_hash=?",
                (code_hash,),
            ).fetchone()
            refusal = self._refusal(db, row, code_hash, claim_id, since, now)
            if refusal is not None:
                log.info("claim %s not released offline: %s", claim_id, refusal.reason)
                return refusal
            pickup_id, document_id, kind, bank, door, expires_at = row[:6]
            db.execute(
                "INSERT INTO offline_claims (claim_id, code_hash, pickup_id, document_id, released_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (claim_id, code_hash, pickup_id, document_id, now),
            )
        log.info(
            "claim %s granted OFFLINE: locker %s door %s (document %s)", claim_id, bank, door, document_id
        )
        return Grant(
            claim_id=claim_id,
            pickup_id=pickup_id,
            document_id=document_id,
            kind=kind,
            locker_bank=bank,
            door=door,
            expires_at=expires_at,
            code_hash=code_hash,
        )

    def _refusal(self, db, row, code_hash: str, claim_id: str, since, now: float) -> Refusal | None:
        if row is None:
            return Refusal("not_synced")
        pickup_id, _doc, kind, bank, _door, expires_at, requires_pin, load_id, door_load_id = row
        if kind != "locker" or requires_pin:
            return Refusal("needs_office")
        if bank not in self.banks:
            return Refusal("other_lane")
        if load_id is None or load_id != door_load_id:
            return Refusal("load_mismatch")  # the door holds another loading than this pickup's
        if expires_at <= now:
            return Refusal("expired")
        if since is None or since > self.grace_seconds:
            return Refusal("grace_over")
        offline_before = db.execute(
            "SELECT 1 FROM offline_claims o LEFT JOIN releases r ON r.claim_id = o.claim_id "
            "WHERE o.pickup_id=? AND (r.outcome IS NULL OR r.outcome IN (?, ?)) LIMIT 1",
            (pickup_id, *BLOCKING_OUTCOMES),
        ).fetchone()
        online_before = db.execute(
            "SELECT 1 FROM releases WHERE code_hash=? AND claim_id != ? "
            "AND (stage='intent' OR outcome IN (?, ?)) LIMIT 1",
            (code_hash, claim_id, *BLOCKING_OUTCOMES),
        ).fetchone()
        consumed = db.execute("SELECT 1 FROM offline_consumed WHERE pickup_id=?", (pickup_id,)).fetchone()
        if offline_before or online_before or consumed:
            return Refusal("already_released")
        return None

    # -- reconciliation -----------------------------------------------------------------------
    def unreconciled(self) -> list[dict]:
        """Finished offline releases the office has not acknowledged yet, oldest first."""
        rows = self.journal.query(
            "SELECT o.claim_id, o.code_hash, o.pickup_id, o.released_at, r.outcome, r.detail "
            "FROM offline_claims o JOIN releases r ON r.claim_id = o.claim_id "
            "WHERE o.reconciled=0 AND r.stage='done' ORDER BY o.released_at"
        )
        return [
            {
                "claim_id": claim_id,
                "code_hash": code_hash,
                "pickup_id": pickup_id,
                "released_at": released_at,
                "outcome": outcome,
                "detail": detail or "",
            }
            for claim_id, code_hash, pickup_id, released_at, outcome, detail in rows
        ]

    def mark_reconciled(self, claim_id: str, result: str) -> None:
        """The office acknowledged the offline release ``claim_id`` (``result``: its verdict)."""
        with self.journal.transaction() as db:
            db.execute(
                "UPDATE offline_claims SET reconciled=1, result=? WHERE claim_id=?", (result, claim_id)
            )
            db.execute(
                "UPDATE releases SET reported=1, updated_at=? WHERE claim_id=?", (time.time(), claim_id)
            )

    def status(self) -> dict:
        """For lane.status(): synced pickups, last sync, offline claims awaiting the office."""
        (synced,) = self.journal.query("SELECT COUNT(*) FROM offline_pickups")[0]
        (pending,) = self.journal.query("SELECT COUNT(*) FROM offline_claims WHERE reconciled=0")[0]
        (conflicts,) = self.journal.query("SELECT COUNT(*) FROM offline_claims WHERE result='conflict'")[0]
        since = self.seconds_since_sync()
        return {
            "synced_pickups": synced,
            "last_sync": self.last_sync(),
            "seconds_since_sync": None if since is None else round(since, 1),
            "grace_seconds": self.grace_seconds,
            "within_grace": since is not None and since <= self.grace_seconds,
            "unreconciled": pending,
            "conflicts": conflicts,
        }
