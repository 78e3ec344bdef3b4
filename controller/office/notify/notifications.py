"""``Notifications``: every message is an outbox row (``outbox.py``) until delivered; one worker
thread per process sends the due rows, retrying with exponential backoff.

A citizen message holds the pickup link, i.e. the code: its payload is sealed (``sealing.py``)
under the key in ``state_dir/secrets/outbox.key`` and deleted once delivered or finally failed.
Agency webhooks (signed with the agency key's secret) and technician alerts hold no code and are
stored in clear until sent. Pending rows survive a restart and are sent after it. If the key is
lost, a sealed payload cannot be opened: its row is marked failed with ``KEY_LOST`` for staff,
who reissue the code.

Several workers (processes) may share one database: a row is leased by one conditional UPDATE
before it is sent (``outbox.claim_due``), so no two workers send the same row (``worker.py``).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import httpx
from sqlalchemy import select
from sqlalchemy.engine import Engine

from controller.kernel.codes import code_hash, parse_code
from controller.kernel.errors import CodeError
from controller.office.db import reading
from controller.office.db.tables import api_keys, documents, pickups
from controller.office.notify import outbox
from controller.office.notify.channels import Channel, Message, build_channel, mask_target
from controller.office.notify.messages import (
    SIGNATURE_HEADER,
    MessageTexts,
    citizen_link,
    sign,
    webhook_body,
)
from controller.office.notify.sealing import Sealer
from controller.office.notify.worker import POLL_SECONDS, OutboxWorker

log = logging.getLogger(__name__)


class Notifications:
    """Citizen messages (``code_issued``), agency webhooks (``document_changed``) and technician
    alerts, through the outbox, with a worker.

    ``key`` (32 bytes, kept outside the database) seals payloads that hold a code; ``channel``
    overrides the one built from ``config`` (tests); ``public_url`` is the base of the citizen
    link; ``texts`` writes the words of each message (``web/i18n/messages.py``).
    """

    def __init__(
        self,
        engine: Engine,
        config,
        *,
        key: bytes,
        texts: MessageTexts,
        clock: Callable[[], float] = time.time,
        public_url: str = "http://127.0.0.1:8080",
        channel: Channel | None = None,
        http_timeout: float = 15.0,
        poll_seconds: float = POLL_SECONDS,
    ):
        self.engine = engine
        self.config = config
        self.clock = clock
        self.public_url = public_url.rstrip("/")
        # one client for the worker's webhooks: a new one per message costs a TLS setup each time
        self._http = httpx.Client(timeout=http_timeout)
        self.channel = channel if channel is not None else build_channel(config, client=self._http)
        self.texts = texts
        self._sealer = Sealer(key)
        self.worker = OutboxWorker(
            engine,
            config,
            channel=self.channel,
            sealer=self._sealer,
            http=self._http,
            clock=clock,
            http_timeout=http_timeout,
            poll_seconds=poll_seconds,
        )

    # -- lifecycle (the worker) ---------------------------------------------------------------

    def start(self) -> None:
        """Start the worker: it sends every due row, including those left by an earlier run."""
        self.worker.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the worker after the row it is sending; pending rows stay for the next start."""
        self.worker.stop(timeout)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until no row is pending (delivered or finally failed); False on timeout."""
        return self.worker.wait_idle(timeout)

    @property
    def sent(self) -> int:
        """Deliveries by this process's worker."""
        return self.worker.sent

    # -- what the office asks for ----------------------------------------------------------

    def code_issued(self, doc_id: int, code: str) -> int | None:
        """Queue the citizen's "ready for pickup" message for the live code ``code`` of ``doc_id``.

        Returns the notification id, or None when the document has no contact at all. The code
        must be the document's current ready code (CodeError otherwise); the message is sealed.
        """
        hashed = code_hash(parse_code(code))
        with reading(self.engine) as conn:
            doc = conn.execute(
                select(documents.c.title, documents.c.citizen_email, documents.c.citizen_phone).where(
                    documents.c.id == doc_id
                )
            ).first()
            pickup = conn.execute(
                select(pickups.c.expires_at).where(
                    pickups.c.document_id == doc_id,
                    pickups.c.code_hash == hashed,
                    pickups.c.state == "ready",
                )
            ).first()
        if doc is None or pickup is None:
            raise CodeError(f"no ready pickup of document {doc_id} has this code", key="code.unknown")
        if not (doc.citizen_email or doc.citizen_phone):
            log.info("document %d has no citizen contact: no notification", doc_id)
            return None
        target = self.channel.target_of(doc.citizen_email, doc.citizen_phone)
        if target is None:
            error = f"no address for the {self.channel.name} channel on this document"
            return self._failed(doc_id, "code_issued", error)
        subject, text = self.texts.code_issued(
            title=doc.title, link=citizen_link(self.public_url, code), expires_at=pickup.expires_at
        )
        message = Message(to=target, subject=subject, text=text, document_id=doc_id, purpose="code_issued")
        sealed = self._sealer.seal({"to": message.to, "subject": message.subject, "text": message.text})
        return self._enqueue(doc_id, "code_issued", mask_target(target), sealed=sealed)

    def document_changed(self, doc_id: int, state: str) -> int | None:
        """Queue the signed webhook to the agency that pushed ``doc_id`` (if it set a webhook URL).

        Hook for ``Office.on_released``: called after a release, an uncertain release, or staff
        resolving one. Returns the notification id, or None when nobody is to be told.
        """
        with reading(self.engine) as conn:
            row = conn.execute(
                select(documents.c.agency_ref, api_keys.c.webhook_url, api_keys.c.webhook_secret)
                .select_from(documents.join(api_keys, documents.c.agency_key_id == api_keys.c.id))
                .where(documents.c.id == doc_id)
            ).first()
        if row is None or not row.webhook_url:
            return None
        body = webhook_body(
            event=f"document.{state}",
            reference=row.agency_ref,
            document_id=doc_id,
            state=state,
            at=self.clock(),
        )
        headers = {SIGNATURE_HEADER: sign(row.webhook_secret, body)} if row.webhook_secret else {}
        if not row.webhook_secret:
            log.warning("agency webhook for document %d sent unsigned: the key has no secret", doc_id)
        # no code in it: kept in clear (the signature is of these exact bytes)
        payload = {"agency": True, "url": row.webhook_url, "body": body.decode("utf-8"), "headers": headers}
        target = _url_target(row.webhook_url)
        return self._enqueue(doc_id, "released", target, payload=payload, channel="webhook")

    def send_alert(self, rule: str, lane: str, detail: str, *, to: str | None = None) -> int:
        """Queue a technician alert (``purpose = "alert"``, no document) to ``to``, in ``texts``' words.

        ``to`` is an e-mail address (email channel) or phone (webhook); the log channel needs none.
        Returns the notification id (a failed row when there is no address for the channel).
        """
        target = to or ("technicians" if self.channel.name == "log" else None)
        if target is None:
            return self._failed(None, "alert", f"set alerts.notify_to for the {self.channel.name} channel")
        subject, text = self.texts.alert(rule=rule, lane=lane, detail=detail)
        payload = {"to": target, "subject": subject, "text": text}
        return self._enqueue(None, "alert", mask_target(target), payload=payload)

    def history(self, doc_id: int) -> list[dict]:
        """Every notification of a document, oldest first (target masked; never a payload)."""
        return outbox.history(self.engine, doc_id)

    # -- the outbox and the worker -----------------------------------------------------------

    def _enqueue(self, doc_id, purpose, target, *, payload=None, sealed=None, channel=None) -> int:
        row_id = outbox.enqueue(
            self.engine,
            doc_id=doc_id,
            purpose=purpose,
            channel=channel or self.channel.name,
            target=target,
            now=self.clock(),
            payload=None if payload is None else json.dumps(payload, sort_keys=True),
            sealed=sealed,
        )
        self.worker.wake()
        return row_id

    def _failed(self, doc_id, purpose, error) -> int:
        return outbox.record_failed(
            self.engine,
            doc_id=doc_id,
            purpose=purpose,
            channel=self.channel.name,
            target="-",
            error=error,
            now=self.clock(),
        )


def _url_target(url: str) -> str:
    # the query string may carry a gateway token: keep scheme, host and path only
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"
