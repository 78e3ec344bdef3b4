"""Documents pushed by agency systems: idempotent creation, read-back, and webhook settings.

An agency retries a push after a timeout with the same ``Idempotency-Key`` or its own reference;
the unique indexes on documents(agency_key_id, idempotency_key) and (agency_key_id, agency_ref)
make a second document impossible even when retries race, and a losing insert returns the
document that won. The pickup code is handed out once, to the push that issued it.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field

from sqlalchemy import or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from controller.kernel.errors import AmbilError, DocumentError
from controller.office import audit
from controller.office.db import reading
from controller.office.db.tables import api_keys, documents, pickups
from controller.office.documents import IssuedCode

log = logging.getLogger(__name__)

CONTACT_FIELDS = ("citizen_name", "citizen_phone", "citizen_email")


@dataclass(frozen=True)
class Push:
    """What one agency push asks for (the form fields of POST /api/v1/agency/documents)."""

    title: str
    reference: str
    kind: str | None = None  # a document kind name or id; None = print if a PDF came, else locker
    pdf: bytes | None = field(default=None, repr=False)
    door_size: str | None = None
    citizen_name: str | None = None
    citizen_phone: str | None = None
    citizen_email: str | None = None
    ready: bool = True
    idempotency_key: str | None = None


@dataclass(frozen=True)
class PushResult:
    """The document, whether this push created it, and the code if this push issued it."""

    document: dict
    created: bool
    issued: IssuedCode | None = None


class AgencyDocuments:
    """The agency side of the office: ``push``, ``get`` and ``set_webhook``.

    ``office`` is the Office facade, ``kinds`` the DocumentKinds, and ``notify`` a callable
    ``(doc_id, code)`` telling the citizen (``Notifications.code_issued``), or None.
    """

    def __init__(self, engine: Engine, office, kinds, notify=None):
        self.engine = engine
        self.office = office
        self.kinds = kinds
        self.notify = notify

    def push(self, key_id: int, push: Push, *, actor: str) -> PushResult:
        """Create the document once; a retry (same key or reference) returns the same document."""
        if not push.reference or not push.reference.strip():
            raise DocumentError("reference is required", key="document.invalid")
        reference = push.reference.strip()
        existing = self._find(key_id, reference, push.idempotency_key)
        if existing is not None:
            return self._again(existing, key_id, push, actor)
        delivery, kind = self._resolve_kind(push)
        extra = {k: getattr(push, k) for k in CONTACT_FIELDS if getattr(push, k)}
        if delivery == "locker":
            extra["door_size"] = push.door_size or "M"  # staff pick the door when they load the item
        try:
            doc = self.office.create_document(
                kind=delivery,
                title=push.title,
                reference=reference,
                pdf=push.pdf,
                actor=actor,
                kind_id=kind.id if kind else None,
                agency_key_id=key_id,
                agency_ref=reference,
                idempotency_key=push.idempotency_key,
                **extra,
            )
        except IntegrityError:
            # a concurrent retry inserted it first: answer with that document
            existing = self._find(key_id, reference, push.idempotency_key)
            if existing is None:
                raise
            log.info("agency push raced a retry; returning document %d", existing["id"])
            return self._again(existing, key_id, push, actor)
        log.info("agency key %d pushed document %d", key_id, doc["id"])
        issued = self._ready(doc, push, actor, kind)
        return PushResult(self.office.get_document(doc["id"]), created=True, issued=issued)

    def get(self, key_id: int, reference: str) -> dict:
        """The calling agency's document with this reference (another agency's is not found)."""
        with reading(self.engine) as conn:
            row = conn.execute(
                select(documents.c.id).where(
                    documents.c.agency_key_id == key_id, documents.c.agency_ref == reference
                )
            ).first()
        if row is None:
            raise DocumentError(f"reference {reference!r}", key="document.not_found")
        return self.office.get_document(row.id)

    def set_webhook(
        self, key_id: int, url: str | None, *, actor: str, secret: str | None = None
    ) -> str | None:
        """Set (or clear, with None) the agency key's webhook URL; returns its signing secret."""
        if url is not None and not url.startswith(("http://", "https://")):
            raise AmbilError("webhook URL must be http(s)", key="request.invalid")
        secret = (secret or secrets.token_hex(32)) if url else None
        with self.engine.begin() as conn:
            done = conn.execute(
                update(api_keys)
                .where(api_keys.c.id == key_id, api_keys.c.role == "agency")
                .values(webhook_url=url, webhook_secret=secret)
            ).rowcount
            if not done:
                raise AmbilError(f"no agency key {key_id}", key="request.invalid")
            audit.append(
                conn,
                actor=actor,
                action="api_key.webhook_set",
                subject=f"api_key:{key_id}",
                detail={"webhook": bool(url)},
            )
        return secret

    # -- helpers ----------------------------------------------------------------------------

    def _find(self, key_id: int, reference: str, idempotency_key: str | None) -> dict | None:
        match = [documents.c.agency_ref == reference]
        if idempotency_key:
            match.append(documents.c.idempotency_key == idempotency_key)
        with reading(self.engine) as conn:
            rows = conn.execute(
                select(documents.c.id, documents.c.agency_ref, documents.c.idempotency_key).where(
                    documents.c.agency_key_id == key_id, or_(*match)
                )
            ).all()
        if not rows:
            return None
        # the idempotency key names the original request; prefer it when both match different rows
        by_key = [r for r in rows if idempotency_key and r.idempotency_key == idempotency_key]
        row = (by_key or rows)[0]
        if idempotency_key and by_key and row.agency_ref != reference:
            raise AmbilError("this Idempotency-Key was used for another reference", key="agency.conflict")
        return self.office.get_document(row.id)

    def _again(self, doc: dict, key_id: int, push: Push, actor: str) -> PushResult:
        """A retry: the same document. Finish a 'ready' the first push could not (it issued no code)."""
        issued = None
        if push.ready and doc["state"] == "draft" and not self._ever_issued(doc["id"]):
            kind = self.kinds.get(doc["kind_id"]) if doc.get("kind_id") else None
            issued = self._ready(doc, push, actor, kind)
            if issued is not None:
                doc = self.office.get_document(doc["id"])
        return PushResult(doc, created=False, issued=issued)

    def _ever_issued(self, doc_id: int) -> bool:
        with reading(self.engine) as conn:
            return (
                conn.execute(select(pickups.c.id).where(pickups.c.document_id == doc_id)).first() is not None
            )

    def _ready(self, doc: dict, push: Push, actor: str, kind) -> IssuedCode | None:
        # only print documents can be ready at once; a locker item must be loaded by staff first
        if not push.ready or doc["kind"] != "print" or not doc.get("pdf_sha256"):
            return None
        try:
            issued = self.office.mark_ready(doc["id"], actor, expiry_days=kind.expiry_days if kind else None)
        except DocumentError as exc:
            if exc.key == "document.bad_state":  # a concurrent retry marked it ready first
                return None
            raise
        if self.notify is not None:
            try:
                self.notify(doc["id"], issued.code)
            except Exception:  # noqa: BLE001 - the document is ready; a notification problem is logged
                log.exception("could not queue the notification for document %d", doc["id"])
        return issued

    def _resolve_kind(self, push: Push):
        """(delivery, Kind or None) from the ``kind`` field: a kind id, a kind name, print or locker."""
        value = (push.kind or "").strip()
        if not value:
            return ("print" if push.pdf is not None else "locker"), None
        if value in ("print", "locker"):
            return value, None
        for kind in self.kinds.list(active_only=True):
            if value == str(kind.id) or value.casefold() == kind.name.casefold():
                return kind.delivery, kind
        raise DocumentError(f"unknown document kind {value!r}", key="document.invalid")
