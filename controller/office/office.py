"""The ``Office`` facade: the office's whole domain behind synchronous methods.

Each method runs in its own transaction, and every state change appends its audit record in that same
transaction, so the log and the data cannot disagree. Refusals that must leave a trace (a refused
claim, a wrong short code) are committed first and raised afterwards.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable

from sqlalchemy import select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from controller.kernel.codes import parse_short_code, short_code_hmac
from controller.kernel.errors import AmbilError, CodeError, DocumentError
from controller.kernel.grants import Grant
from controller.office import (
    apikeys,
    audit,
    claim_reports,
    claims,
    code_lookup,
    documents,
    guessing,
    leases,
    locker_admin,
    search,
)
from controller.office.blobs import BlobStore
from controller.office.db import insert_ignore
from controller.office.documents import IssuedCode
from controller.office.guessing import GuessLimits
from controller.office.pdfcheck import check_pdf
from controller.office.tables import documents as documents_table
from controller.office.tables import lanes

log = logging.getLogger(__name__)

__all__ = ["Office", "Grant", "GuessLimits", "IssuedCode"]


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
        guess_limits: GuessLimits | None = None,
        claim_lease_minutes: float = 5,
        print_claim_lease_minutes: float = 30,
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
        self.on_released: list[Callable[[int, str], None]] = []

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

    def ensure_locker_bank(self, bank_id: str, lane_id: str, doors: int) -> None:
        """Create the locker bank if missing, or update its lane and door count: the admin page's
        path (``locker_admin.save_bank``) with its checks, as the system."""
        with self.engine.begin() as conn:
            locker_admin.save_bank(conn, bank_id, lane_id, doors, actor="system", now=self.clock())

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
        if extra.get("kind_id") is not None:
            self._check_kind(extra["kind_id"], kind)
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
            if doc.kind == "locker" and (doc.locker_bank is None or doc.door is None):
                raise DocumentError("load the item into a locker door first", key="locker.not_loaded")
            if doc.kind == "locker" and doc.loaded_at is None:
                # the code must never open an empty door: staff confirm the item is in first
                raise DocumentError("confirm the item is loaded first", key="locker.not_loaded")
            return self._issue(conn, doc, actor, expiry_days, now)

    def _issue(self, conn, doc, actor, expiry_days, now) -> IssuedCode:
        if expiry_days is None and doc.kind_id is not None:  # the kind's own validity, if it has one
            from controller.office.tables import document_kinds

            expiry_days = conn.execute(
                select(document_kinds.c.expiry_days).where(document_kinds.c.id == doc.kind_id)
            ).scalar()
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
            described = documents.describe(conn, documents.load(conn, doc_id))
        self._released_hooks(doc_id, described["state"])
        return described

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

    def search_documents(
        self,
        *,
        q: str | None = None,
        state: str | None = None,
        delivery: str | None = None,
        kind_id: int | None = None,
        limit: int = search.PAGE_SIZE,
        offset: int = 0,
    ) -> search.SearchResult:
        """One page of documents matching text ``q`` (title, reference, phone) and the filters."""
        with self.engine.connect() as conn:
            return search.search_documents(
                conn, q=q, state=state, delivery=delivery, kind_id=kind_id, limit=limit, offset=offset
            )

    def code_status(self, code: str) -> code_lookup.CodeStatus:
        """What the pickup code ``code`` stands for now (citizen page); code.malformed / code.unknown."""
        with self.engine.connect() as conn:
            return code_lookup.code_status(conn, code, short_code_key=self._short_key, now=self.clock())

    def slip_status(self, doc_id: int, code: str) -> code_lookup.CodeStatus:
        """The live standing of ``code`` as document ``doc_id``'s code (403 if not its, 409 if dead)."""
        with self.engine.connect() as conn:
            return code_lookup.slip_status(
                conn, doc_id, code, short_code_key=self._short_key, now=self.clock()
            )

    def expire_due(self) -> int:
        """Expire ready pickups past their expiry (their documents too); returns how many."""
        with self.engine.begin() as conn:
            return documents.expire_due(conn, self.clock())

    def expire_stale_claims(self) -> int:
        """Make claims with no outcome within their lease uncertain for staff; returns how many."""
        with self.engine.begin() as conn:
            changed = leases.expire_stale_claims(
                conn,
                self.clock(),
                lease_seconds=self.claim_lease_seconds,
                print_lease_seconds=self.print_claim_lease_seconds,
            )
        for doc_id in changed:
            self._released_hooks(doc_id, "uncertain")
        return len(changed)

    def prune_guesses(self) -> int:
        """Forget wrong short codes and PINs that no bound needs any more; returns how many."""
        with self.engine.begin() as conn:
            return guessing.prune(conn, now=self.clock(), limits=self.guess_limits)

    # -- the release protocol (lanes) -------------------------------------------------------

    def _run_claim(self, claim_id: str, work) -> Grant:
        if not isinstance(claim_id, str) or not 1 <= len(claim_id) <= 100:
            raise AmbilError("claim_id must be 1-100 characters", key="request.invalid")
        try:
            with self.engine.begin() as conn:
                outcome = work(conn, self.clock())
        except IntegrityError:
            # The same claim id raced in for two different pickups, or as a tombstone (the lane
            # reported it abandoned while this claim was committing): nothing is granted.
            raise CodeError("claim id already used", key="claim.conflict") from None
        if isinstance(outcome, AmbilError):
            raise outcome
        return outcome

    def claim(self, *, code_hash: str, claim_id: str, lane_id: str, pin: str | None = None) -> Grant:
        """Claim the pickup whose code hashes to ``code_hash``; retrying the same claim_id is safe.

        ``pin`` is the second factor of documents whose kind requires one."""
        return self._run_claim(
            claim_id,
            lambda conn, now: claims.claim_pickup(
                conn,
                code_hash=code_hash,
                claim_id=claim_id,
                lane_id=lane_id,
                now=now,
                pin=pin,
                pin_policy=self._pin_policy(),
            ),
        )

    def _pin_policy(self):
        from controller.office.second_factor import PinPolicy

        return PinPolicy(self._short_key, self.guess_limits)

    def claim_short(self, *, short_code: str, claim_id: str, lane_id: str, pin: str | None = None) -> Grant:
        """Claim by a typed short code; wrong codes are counted per lane and site (guessing.py)."""
        digits = parse_short_code(short_code)
        return self._run_claim(
            claim_id,
            lambda conn, now: claims.claim_by_short_code(
                conn,
                short_hmac=short_code_hmac(self._short_key, digits),
                claim_id=claim_id,
                lane_id=lane_id,
                now=now,
                limits=self.guess_limits,
                pin=pin,
                pin_policy=self._pin_policy(),
            ),
        )

    def report(self, *, claim_id: str, lane_id: str, outcome: str, detail: str = "") -> None:
        """Record a claim's outcome (released | failed | uncertain | abandoned); idempotent."""
        with self.engine.begin() as conn:
            before = claims.claim_outcome(conn, claim_id)
            state_before = documents.load(conn, before[0]).state if before is not None else None
            error = claim_reports.report_claim(
                conn, claim_id=claim_id, lane_id=lane_id, outcome=outcome, detail=detail, now=self.clock()
            )
            changed = None
            first_report = error is None and before is not None and before[1] is None
            if first_report and outcome in ("released", "uncertain"):
                state = documents.load(conn, before[0]).state
                changed = (before[0], state) if state == outcome != state_before else None
        if error is not None:
            raise error
        if changed is not None:
            self._released_hooks(*changed)

    def _released_hooks(self, doc_id: int, state: str) -> None:
        for hook in self.on_released:
            try:
                hook(doc_id, state)
            except Exception:  # noqa: BLE001 - a notification problem must not fail a release report
                log.exception("on_released hook failed for document %d", doc_id)

    def claim_pdf(self, claim_id: str, lane_id: str) -> bytes:
        """The PDF of the print pickup currently claimed by ``claim_id``, for the lane holding it."""
        with self.engine.connect() as conn:
            sha = claims.claimed_pdf_sha(conn, claim_id, lane_id)
        return self.blobs.get(sha)

    # -- audit and API keys -----------------------------------------------------------------

    def verify_audit(self) -> audit.VerifyResult:
        """Check the whole audit chain."""
        with self.engine.connect() as conn:
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
        with self.engine.connect() as conn:
            return apikeys.list_keys(conn)

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
        from controller.kernel.codes import code_hash, derive_short_code, parse_code
        from controller.office.tables import pickups

        code = parse_code(code)
        with self.engine.connect() as conn:
            row = conn.execute(select(pickups.c.state).where(pickups.c.code_hash == code_hash(code))).first()
        if row is None or row.state not in ("ready", "claimed"):
            raise CodeError("no live pickup has this code", key="code.unknown")
        return derive_short_code(self._short_key, code)

    def rate(self, *, lane_id: str, claim_id: str | None, score: int) -> bool:
        """The driver's satisfaction rating after a pickup (counted per lane and day in reports)."""
        from controller.office.ratings import record_rating

        return record_rating(self.engine, lane_id=lane_id, claim_id=claim_id, score=score, now=self.clock())

    def _check_kind(self, kind_id: int, delivery: str) -> None:
        from controller.office.tables import document_kinds

        with self.engine.connect() as conn:
            row = conn.execute(
                select(document_kinds.c.delivery, document_kinds.c.active).where(
                    document_kinds.c.id == kind_id
                )
            ).first()
        if row is None or not row.active:
            raise DocumentError(f"no active document kind {kind_id}", key="document.invalid")
        if row.delivery != delivery:
            raise DocumentError(f"kind {kind_id} is delivered by {row.delivery}", key="document.invalid")
