"""The ``Office`` facade: the office's whole domain behind synchronous methods.

Each method runs in its own transaction, and every state change appends its audit record in that same
transaction, so the log and the data cannot disagree. Refusals that must leave a trace (a refused
claim, a wrong short code) are committed first and raised afterwards.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from sqlalchemy import select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from controller.errors import AmbilError, CodeError, DocumentError
from controller.office import apikeys, audit, claims, documents
from controller.office.blobs import BlobStore
from controller.office.claims import Grant
from controller.office.codes import parse_short_code, short_code_hmac
from controller.office.db import insert_ignore
from controller.office.documents import IssuedCode
from controller.office.pdfcheck import check_pdf
from controller.office.tables import documents as documents_table
from controller.office.tables import lanes, locker_banks

log = logging.getLogger(__name__)

__all__ = ["Office", "Grant", "IssuedCode"]


class Office:
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
        self.short_code_lockout = short_code_lockout
        self.lockout_seconds = lockout_minutes * 60.0

    # -- lanes and lockers (from config at start) -------------------------------------------

    def ensure_lane(self, lane_id: str, name: str | None = None) -> None:
        """Create the lane if missing, or update its name."""
        now = self.clock()
        with self.engine.begin() as conn:
            if insert_ignore(conn, lanes, {"id": lane_id, "name": name or lane_id, "created_at": now}):
                audit.append(conn, at=now, actor="system", action="lane.created", subject=f"lane:{lane_id}")
            elif name is not None:
                conn.execute(update(lanes).where(lanes.c.id == lane_id).values(name=name))

    def ensure_locker_bank(self, bank_id: str, lane_id: str, doors: int) -> None:
        """Create the locker bank if missing, or update its lane and door count."""
        if not isinstance(doors, int) or doors < 1:
            raise ValueError("doors must be a positive integer")
        now = self.clock()
        with self.engine.begin() as conn:
            values = {"id": bank_id, "lane_id": lane_id, "doors": doors, "created_at": now}
            if insert_ignore(conn, locker_banks, values):
                action = "locker_bank.created"
            else:
                conn.execute(
                    update(locker_banks)
                    .where(locker_banks.c.id == bank_id)
                    .values(lane_id=lane_id, doors=doors)
                )
                action = "locker_bank.updated"
            audit.append(
                conn,
                at=now,
                actor="system",
                action=action,
                subject=f"locker_bank:{bank_id}",
                detail={"lane_id": lane_id, "doors": doors},
            )

    # -- documents (staff and agencies) -----------------------------------------------------

    def _store_pdf(self, pdf: bytes) -> tuple[str, int]:
        pages = check_pdf(pdf, max_bytes=self.max_upload_bytes, max_pages=self.max_pages)
        return self.blobs.put(pdf), pages

    def create_document(
        self,
        *,
        kind: str,
        title: str,
        actor: str,
        reference: str | None = None,
        pdf: bytes | None = None,
        locker_bank: str | None = None,
        door: int | None = None,
        **extra,
    ) -> dict:
        """Register a draft document (a print one may get its PDF now or via ``attach_pdf``).

        ``extra`` may set ``documents.EXTRA_FIELDS`` (kind_id, citizen contact, door_size, agency
        reference and idempotency key); anything else is refused.
        """
        unknown = set(extra) - set(documents.EXTRA_FIELDS)
        if unknown:
            raise DocumentError(f"unknown fields: {', '.join(sorted(unknown))}", key="document.invalid")
        sha, pages = None, 0
        if pdf is not None:
            if kind != "print":
                raise DocumentError("only print documents carry a PDF", key="document.invalid")
            sha, pages = self._store_pdf(pdf)
        now = self.clock()
        with self.engine.begin() as conn:
            doc_id = documents.insert_document(
                conn,
                kind=kind,
                title=title,
                reference=reference,
                sha=sha,
                pages=pages,
                bank=locker_bank,
                door=door,
                actor=actor,
                now=now,
                extra=extra,
            )
            return documents.describe(conn, documents.load(conn, doc_id))

    def attach_pdf(self, doc_id: int, pdf: bytes, actor: str) -> dict:
        """Attach (or replace) the PDF of a draft print document."""
        sha, pages = self._store_pdf(pdf)
        now = self.clock()
        with self.engine.begin() as conn:
            doc = documents.load(conn, doc_id, lock=True)
            if doc.kind != "print":
                raise DocumentError("only print documents carry a PDF", key="document.invalid")
            if doc.state != "draft":
                raise DocumentError(f"document is {doc.state}", key="document.bad_state")
            documents.set_state(conn, doc_id, "draft", now, pdf_sha256=sha, pages=pages)
            audit.append(
                conn,
                at=now,
                actor=actor,
                action="document.pdf_attached",
                subject=f"document:{doc_id}",
                detail={"pdf": sha[:12], "pages": pages},
            )
            return documents.describe(conn, documents.load(conn, doc_id))

    def mark_ready(self, doc_id: int, actor: str, *, expiry_days: float | None = None) -> IssuedCode:
        """Issue the pickup code of a draft document; the plaintext code is returned only here."""
        now = self.clock()
        with self.engine.begin() as conn:
            doc = documents.load(conn, doc_id, lock=True)
            if doc.state != "draft":
                raise DocumentError(f"document is {doc.state}", key="document.bad_state")
            if doc.kind == "print" and not doc.pdf_sha256:
                raise DocumentError("attach the PDF first", key="document.invalid")
            return self._issue(conn, doc, actor, expiry_days, now)

    def _issue(self, conn, doc, actor, expiry_days, now) -> IssuedCode:
        days = self.default_expiry_days if expiry_days is None else expiry_days
        if days <= 0:
            raise DocumentError("expiry must be in the future", key="document.invalid")
        return documents.issue_pickup(
            conn, doc, short_code_key=self._short_key, expiry_days=days, actor=actor, now=now
        )

    def reissue(self, doc_id: int, actor: str, *, expiry_days: float | None = None) -> IssuedCode:
        """Revoke the current code at once and issue a new one (also renews an expired document)."""
        now = self.clock()
        with self.engine.begin() as conn:
            doc = documents.load(conn, doc_id, lock=True)
            if doc.state not in ("ready", "expired"):
                raise DocumentError(f"document is {doc.state}", key="document.bad_state")
            documents.revoke_live_pickup(conn, doc, actor=actor, now=now, reason="reissued")
            return self._issue(conn, doc, actor, expiry_days, now)

    def cancel(self, doc_id: int, actor: str) -> dict:
        """Cancel a document that has not been released; its code stops working at once."""
        now = self.clock()
        with self.engine.begin() as conn:
            doc = documents.load(conn, doc_id, lock=True)
            if doc.state in ("released", "cancelled"):
                raise DocumentError(f"document is {doc.state}", key="document.bad_state")
            documents.revoke_live_pickup(conn, doc, actor=actor, now=now, reason="cancelled")
            documents.set_state(conn, doc_id, "cancelled", now)
            audit.append(conn, at=now, actor=actor, action="document.cancelled", subject=f"document:{doc_id}")
            return documents.describe(conn, documents.load(conn, doc_id))

    def resolve_uncertain(self, doc_id: int, actor: str, *, released: bool) -> dict:
        """Staff settle an uncertain release: released, or not (the pickup is claimable again)."""
        with self.engine.begin() as conn:
            documents.resolve_uncertain(conn, doc_id, actor=actor, released=released, now=self.clock())
            return documents.describe(conn, documents.load(conn, doc_id))

    def get_document(self, doc_id: int) -> dict:
        """The document, its current pickup state and its history (never a code)."""
        with self.engine.connect() as conn:
            return documents.describe(conn, documents.load(conn, doc_id))

    def list_documents(self, *, state: str | None = None, limit: int = 100, offset: int = 0) -> list[dict]:
        """Documents newest first, optionally of one state (without history)."""
        query = select(documents_table).order_by(documents_table.c.id.desc()).limit(limit).offset(offset)
        if state is not None:
            query = query.where(documents_table.c.state == state)
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    def expire_due(self) -> int:
        """Expire ready pickups past their expiry (their documents too); returns how many."""
        with self.engine.begin() as conn:
            return documents.expire_due(conn, self.clock())

    # -- the release protocol (lanes) -------------------------------------------------------

    def _run_claim(self, claim_id: str, work) -> Grant:
        if not isinstance(claim_id, str) or not 1 <= len(claim_id) <= 100:
            raise AmbilError("claim_id must be 1-100 characters", key="request.invalid")
        try:
            with self.engine.begin() as conn:
                outcome = work(conn, self.clock())
        except IntegrityError:
            # The same claim id raced in for two different pickups.
            raise CodeError("claim id already used", key="claim.conflict") from None
        if isinstance(outcome, AmbilError):
            raise outcome
        return outcome

    def claim(self, *, code_hash: str, claim_id: str, lane_id: str) -> Grant:
        """Claim the pickup whose code hashes to ``code_hash``; retrying the same claim_id is safe."""
        return self._run_claim(
            claim_id,
            lambda conn, now: claims.claim_pickup(
                conn, code_hash=code_hash, claim_id=claim_id, lane_id=lane_id, now=now
            ),
        )

    def claim_short(self, *, short_code: str, claim_id: str, lane_id: str) -> Grant:
        """Claim by a typed short code; wrong codes count toward a per-lane lockout."""
        digits = parse_short_code(short_code)
        return self._run_claim(
            claim_id,
            lambda conn, now: claims.claim_by_short_code(
                conn,
                short_hmac=short_code_hmac(self._short_key, digits),
                claim_id=claim_id,
                lane_id=lane_id,
                now=now,
                lockout_after=self.short_code_lockout,
                lockout_seconds=self.lockout_seconds,
            ),
        )

    def report(self, *, claim_id: str, lane_id: str, outcome: str, detail: str = "") -> None:
        """Record a claim's outcome (released | failed | uncertain | abandoned); idempotent."""
        with self.engine.begin() as conn:
            error = claims.report_claim(
                conn, claim_id=claim_id, lane_id=lane_id, outcome=outcome, detail=detail, now=self.clock()
            )
        if error is not None:
            raise error

    def claim_pdf(self, claim_id: str) -> bytes:
        """The PDF of the print pickup currently claimed by ``claim_id``."""
        with self.engine.connect() as conn:
            sha = claims.claimed_pdf_sha(conn, claim_id)
        return self.blobs.get(sha)

    # -- audit and API keys -----------------------------------------------------------------

    def verify_audit(self) -> audit.VerifyResult:
        """Check the whole audit chain."""
        with self.engine.connect() as conn:
            return audit.verify(conn)

    def create_api_key(
        self, role: str, *, lane_id: str | None = None, label: str = "", actor="system"
    ) -> str:
        """Create an API key and return it (shown once; only its SHA-256 is stored)."""
        with self.engine.begin() as conn:
            return apikeys.create(conn, role, lane_id=lane_id, label=label, actor=actor, now=self.clock())

    def lookup_api_key(self, key: str) -> dict | None:
        """{id, role, lane_id, label} of a live key, or None."""
        with self.engine.connect() as conn:
            return apikeys.lookup(conn, key)

    def revoke_api_key(self, key_id: int, *, actor: str = "system") -> bool:
        """Revoke an API key; False if unknown or already revoked."""
        with self.engine.begin() as conn:
            return apikeys.revoke(conn, key_id, actor=actor, now=self.clock())

    def count_api_keys(self) -> int:
        """How many keys are not revoked (0 on a brand-new office)."""
        with self.engine.begin() as conn:
            return apikeys.count_active(conn)

    def ping(self) -> None:
        """Raise if the database cannot be reached (used by /readyz)."""
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def short_code_for(self, code: str) -> str:
        """The short code belonging to a live pickup's code (slip, citizen page).

        Raises ``code.unknown`` unless ``code`` is the code of a pickup that is ready or claimed.
        """
        from controller.office.codes import code_hash, derive_short_code, parse_code
        from controller.office.tables import pickups

        code = parse_code(code)
        with self.engine.connect() as conn:
            row = conn.execute(select(pickups.c.state).where(pickups.c.code_hash == code_hash(code))).first()
        if row is None or row.state not in ("ready", "claimed"):
            raise CodeError("no live pickup has this code", key="code.unknown")
        return derive_short_code(self._short_key, code)
