"""The ``Office`` facade: the office's whole domain behind synchronous methods.

Each method runs in its own transaction, and every state change appends its audit record in that same
transaction, so the log and the data cannot disagree. Refusals that must leave a trace (a refused
claim, a wrong short code) are committed first and raised afterwards.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Iterable

from sqlalchemy import select, text, update
from sqlalchemy.engine import Engine

from controller.kernel.errors import CodeError, DocumentError
from controller.kernel.grants import Grant
from controller.office import (
    apikeys,
    audit,
    locker_admin,
)
from controller.office.apikey_cache import FRESH_SECONDS, KeyCache
from controller.office.blobs import BlobStore
from controller.office.db import insert_ignore, reading
from controller.office.db.tables import lanes
from controller.office.documents import IssuedCode
from controller.office.guessing import GuessLimits
from controller.office.office_claims import OfficeClaims
from controller.office.office_documents import OfficeDocuments

log = logging.getLogger(__name__)

__all__ = ["Office", "Grant", "GuessLimits", "IssuedCode"]


class Office(OfficeClaims, OfficeDocuments):
    """Documents, pickup codes, claims and the audit log of one office database."""

    def __init__(
        self,
        engine: Engine,
        blobs: BlobStore,
        short_code_key: bytes,
        *,
        clock: Callable[[], float] = time.time,
        max_upload_bytes: int = 10 * 2**20,
        max_pages: int = 50,
        default_expiry_days: float = 14,
        short_code_lockout: int = 5,
        lockout_minutes: float = 5,
        guess_limits: GuessLimits | None = None,
        claim_lease_minutes: float = 5,
        print_claim_lease_minutes: float = 30,
        on_released: Iterable[Callable[[int, str], None]] = (),
    ):
        if len(short_code_key) < 16:
            raise ValueError("short_code_key must be at least 16 bytes")
        self.engine = engine
        self.blobs = blobs
        self._short_key = short_code_key
        self.clock = clock
        self.max_upload_bytes = max_upload_bytes
        self.max_pages = max_pages
        self.default_expiry_days = default_expiry_days
        # wrong short codes and PINs: per pickup, lane and site (guessing.py)
        self.guess_limits = guess_limits or GuessLimits(
            lockout_after=short_code_lockout, lockout_seconds=lockout_minutes * 60.0
        )
        # a claim with no outcome this long becomes uncertain for staff (leases.py)
        self.claim_lease_seconds = claim_lease_minutes * 60.0
        self.print_claim_lease_seconds = print_claim_lease_minutes * 60.0
        # Called after commit with (document_id, new state) when a release, an uncertain release
        # or a staff resolution changes a document (agency webhooks). A failing hook is logged,
        # never raised: the lane's report is already recorded.
        self.on_released: list[Callable[[int, str], None]] = list(on_released)
        # live keys for a few seconds (apikey_cache.py says how soon a revocation takes hold)
        self.key_cache = KeyCache()

    # -- lanes and lockers (from config at start) -------------------------------------------

    def ensure_lane(self, lane_id: str, name: str | None = None, *, site: str | None = None) -> None:
        """Create the lane if missing, or update its name (and site, if given); the id follows the
        admin page's rule (``locker_admin.check_ident``)."""
        lane_id = locker_admin.check_ident(lane_id, "lane id")
        now = self.clock()
        values = {"name": name} if name is not None else {}
        if site is not None:
            values["site"] = site
        with self.engine.begin() as conn:
            row = {"id": lane_id, "name": name or lane_id, "created_at": now, **values}
            if insert_ignore(conn, lanes, row):
                audit.append(conn, at=now, actor="system", action="lane.created", subject=f"lane:{lane_id}")
            elif values:
                conn.execute(update(lanes).where(lanes.c.id == lane_id).values(**values))

    def ensure_locker_bank(
        self, bank_id: str, lane_id: str, doors: int, *, columns: int | None = None
    ) -> None:
        """Create the locker bank if missing, or update its lane and door count (and ``columns``,
        how it is built, if given): the admin page's path (``locker_admin.save_bank``) with its
        checks, as the system."""
        layout = {"columns": columns} if columns is not None else None
        with self.engine.begin() as conn:
            locker_admin.save_bank(
                conn, bank_id, lane_id, doors, actor="system", now=self.clock(), layout=layout
            )

    # -- audit and API keys -----------------------------------------------------------------

    def verify_audit(self) -> audit.VerifyResult:
        """Check the whole audit chain."""
        with reading(self.engine) as conn:
            return audit.verify(conn)

    def create_api_key(
        self, role: str, *, lane_id: str | None = None, label: str = "", actor="system"
    ) -> str:
        """Create an API key and return it (shown once; only its SHA-256 is stored): ``issue_api_key``
        without the webhook, so both follow one set of rules."""
        return self.issue_api_key(role, lane_id=lane_id, label=label, actor=actor)["key"]

    def issue_api_key(
        self,
        role: str,
        *,
        lane_id: str | None = None,
        label: str = "",
        webhook_url: str | None = None,
        actor: str = "system",
    ) -> dict:
        """Create an API key: ``{id, key, webhook_secret}``, the key and secret shown only now.

        An agency key with a ``webhook_url`` gets a fresh secret that signs its webhooks.
        """
        secret = secrets.token_hex(32) if webhook_url else None
        with self.engine.begin() as conn:
            key_id, key = apikeys.create_with_id(
                conn,
                role,
                lane_id=lane_id or None,
                label=label,
                actor=actor,
                now=self.clock(),
                webhook_url=webhook_url or None,
                webhook_secret=secret,
            )
        return {"id": key_id, "key": key, "webhook_secret": secret}

    def list_api_keys(self) -> list[dict]:
        """Every API key (never its hash or webhook secret), newest first."""
        with reading(self.engine) as conn:
            return apikeys.list_keys(conn)

    def lookup_api_key(self, key: str) -> dict | None:
        """{id, role, lane_id, label} of a live key, or None: from ``key_cache`` when it was
        confirmed live moments ago (``apikey_cache``: revoked keys stop within 5 s everywhere)."""
        if not apikeys.well_formed(key):
            return None
        self._sweep_keys()
        hashed = apikeys.key_hash(key)
        found = self.key_cache.get(hashed)
        if found is not None:
            return found
        stamp = self.key_cache.stamp()
        with reading(self.engine) as conn:
            found = apikeys.lookup(conn, key)
        if found is not None:
            self.key_cache.put(hashed, found, stamp)
        return found

    def cached_api_key(self, key: str) -> dict | None:
        """The live key's record from memory only (no database: safe on the event loop), or None."""
        if not apikeys.well_formed(key):
            return None
        return self.key_cache.get(apikeys.key_hash(key), within=FRESH_SECONDS)

    def _sweep_keys(self) -> None:
        """Re-check every remembered key in one statement when a sweep is due (apikey_cache)."""
        stamp = self.key_cache.sweep_due()
        if stamp is None:
            return
        try:
            checked = self.key_cache.ids()
            with reading(self.engine) as conn:
                live = apikeys.live_ids(conn, checked)
        except Exception:
            self.key_cache.release()
            raise
        self.key_cache.confirm(checked, live, stamp)

    def revoke_api_key(self, key_id: int, *, actor: str = "system") -> bool:
        """Revoke an API key; False if unknown or already revoked. This worker forgets it at once."""
        with self.engine.begin() as conn:
            done = apikeys.revoke(conn, key_id, actor=actor, now=self.clock())
        self.key_cache.forget(key_id)
        return done

    def count_api_keys(self) -> int:
        """How many keys are not revoked (0 on a brand-new office)."""
        with self.engine.begin() as conn:
            return apikeys.count_active(conn)

    def ping(self) -> None:
        """Raise if the database cannot be reached (used by /readyz)."""
        with reading(self.engine) as conn:
            conn.execute(text("SELECT 1"))

    def short_code_for(self, code: str) -> str:
        """The short code belonging to a live pickup's code (slip, citizen page).

        Raises ``code.unknown`` unless ``code`` is the code of a pickup that is ready or claimed.
        """
        from controller.kernel.codes import code_hash, derive_short_code, parse_code
        from controller.office.db.tables import pickups

        code = parse_code(code)
        with reading(self.engine) as conn:
            row = conn.execute(select(pickups.c.state).where(pickups.c.code_hash == code_hash(code))).first()
        if row is None or row.state not in ("ready", "claimed"):
            raise CodeError("no live pickup has this code", key="code.unknown")
        return derive_short_code(self._short_key, code)

    def rate(self, *, lane_id: str, claim_id: str | None, score: int) -> bool:
        """The driver's satisfaction rating after a pickup (counted per lane and day in reports)."""
        from controller.office.ratings import record_rating

        return record_rating(self.engine, lane_id=lane_id, claim_id=claim_id, score=score, now=self.clock())

    def _check_kind(self, kind_id: int, delivery: str) -> None:
        from controller.office.db.tables import document_kinds

        with reading(self.engine) as conn:
            row = conn.execute(
                select(document_kinds.c.delivery, document_kinds.c.active).where(
                    document_kinds.c.id == kind_id
                )
            ).first()
        if row is None or not row.active:
            raise DocumentError(f"no active document kind {kind_id}", key="document.invalid")
        if row.delivery != delivery:
            raise DocumentError(f"kind {kind_id} is delivered by {row.delivery}", key="document.invalid")
