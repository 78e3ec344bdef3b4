"""The office's documents, for staff and agencies: register, attach a PDF, issue and reissue the
pickup code, cancel, resolve an uncertain release, read and search, expire. ``Office`` inherits
these; each runs in its own transaction with its audit record (see ``office.py``).
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from controller.kernel.errors import DocumentError
from controller.office import (
    audit,
    code_lookup,
    documents,
    search,
)
from controller.office.db import reading
from controller.office.db.tables import documents as documents_table
from controller.office.documents import IssuedCode
from controller.office.pdfcheck import check_pdf

log = logging.getLogger(__name__)


class OfficeDocuments:
    """Documents and their pickup codes, for staff and agencies (``Office`` inherits these)."""

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
            from controller.office.db.tables import document_kinds

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
        with reading(self.engine) as conn:
            return documents.describe(conn, documents.load(conn, doc_id))

    def list_documents(self, *, state: str | None = None, limit: int = 100, offset: int = 0) -> list[dict]:
        """Documents newest first, optionally of one state (without history)."""
        query = select(documents_table).order_by(documents_table.c.id.desc()).limit(limit).offset(offset)
        if state is not None:
            query = query.where(documents_table.c.state == state)
        with reading(self.engine) as conn:
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
        with reading(self.engine) as conn:
            return search.search_documents(
                conn, q=q, state=state, delivery=delivery, kind_id=kind_id, limit=limit, offset=offset
            )

    def code_status(self, code: str) -> code_lookup.CodeStatus:
        """What the pickup code ``code`` stands for now (citizen page); code.malformed / code.unknown."""
        with reading(self.engine) as conn:
            return code_lookup.code_status(conn, code, short_code_key=self._short_key, now=self.clock())

    def slip_status(self, doc_id: int, code: str) -> code_lookup.CodeStatus:
        """The live standing of ``code`` as document ``doc_id``'s code (403 if not its, 409 if dead)."""
        with reading(self.engine) as conn:
            return code_lookup.slip_status(
                conn, doc_id, code, short_code_key=self._short_key, now=self.clock()
            )

    def expire_due(self) -> int:
        """Expire ready pickups past their expiry (their documents too); returns how many."""
        with self.engine.begin() as conn:
            return documents.expire_due(conn, self.clock())
