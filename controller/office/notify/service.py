"""``Notifications``: records every message in the ``notifications`` table and delivers it from one
worker thread, retrying with exponential backoff.

The payload of a citizen message holds the pickup link, i.e. the code: it lives only in memory, in
the worker's queue. The table keeps who (masked), why, status, attempts and the last error. A
restart loses queued payloads; ``start()`` marks their rows failed so staff know to reissue.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.engine import Engine

from controller.errors import CodeError
from controller.office.codes import code_hash, parse_code
from controller.office.notify import rows
from controller.office.notify.channels import Channel, Message, build_channel, mask_target, post_json
from controller.office.notify.messages import (
    SIGNATURE_HEADER,
    citizen_link,
    code_issued_message,
    sign,
    webhook_body,
)
from controller.office.tables import api_keys, documents, notifications, pickups

log = logging.getLogger(__name__)

LOST_AT_RESTART = "lost at restart: reissue the code to notify again"
LOST_WEBHOOK = "lost at restart: the agency can read the state with GET /api/v1/agency/documents/{ref}"
MAX_DELAY_SECONDS = 6 * 3600.0


@dataclass(order=True)
class _Job:
    due: float  # time.monotonic() when the next attempt may run
    seq: int
    row_id: int = field(compare=False)
    deliver: Callable[[], None] = field(compare=False, repr=False)
    attempts: int = field(compare=False, default=0)


class Notifications:
    """Citizen messages (``code_issued``) and agency webhooks (``document_changed``), with a worker.

    ``channel`` overrides the one built from ``config`` (tests); ``public_url`` is the base of
    the citizen link; ``zone`` is the time zone the expiry is written in.
    """

    def __init__(
        self,
        engine: Engine,
        config,
        *,
        clock: Callable[[], float] = time.time,
        public_url: str = "http://127.0.0.1:8080",
        channel: Channel | None = None,
        zone: str = "Asia/Makassar",
        http_timeout: float = 15.0,
    ):
        self.engine = engine
        self.config = config
        self.clock = clock
        self.public_url = public_url.rstrip("/")
        self.channel = channel if channel is not None else build_channel(config)
        self.zone = zone
        self.http_timeout = http_timeout
        self._queue: list[_Job] = []
        self._seq = itertools.count()
        self._busy = 0  # jobs taken off the queue and being delivered now
        self._cond = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Mark rows left pending by an earlier run as failed, then start the worker."""
        with self._cond:
            queued = {job.row_id for job in self._queue}
            self._stopping = False
        self._fail_pending(exclude=queued)
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="notifications", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the worker; messages still queued are lost and their rows marked failed."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        with self._cond:
            self._queue.clear()
        self._fail_pending(exclude=set())

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until nothing is queued or being sent (tests, shutdown); False on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._queue or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.05))
        return True

    # -- what the office asks for ----------------------------------------------------------

    def code_issued(self, doc_id: int, code: str) -> int | None:
        """Queue the citizen's "ready for pickup" message for the live code ``code`` of ``doc_id``.

        Returns the notification id, or None when the document has no contact at all. The code
        must be the document's current ready code (CodeError otherwise); it is kept in memory only.
        """
        hashed = code_hash(parse_code(code))
        with self.engine.connect() as conn:
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
            return self._record(
                doc_id,
                "code_issued",
                "-",
                status="failed",
                error=f"no address for the {self.channel.name} channel on this document",
            )
        message = code_issued_message(
            to=target,
            document_id=doc_id,
            title=doc.title,
            link=citizen_link(self.public_url, code),
            expires_at=pickup.expires_at,
            zone=self.zone,
        )
        row_id = self._record(doc_id, "code_issued", mask_target(target))
        self._enqueue(row_id, lambda: self.channel.send(message))
        return row_id

    def document_changed(self, doc_id: int, state: str) -> int | None:
        """Queue the signed webhook to the agency that pushed ``doc_id`` (if it set a webhook URL).

        Hook for ``Office.on_released``: called after a release, an uncertain release, or staff
        resolving one. Returns the notification id, or None when nobody is to be told.
        """
        with self.engine.connect() as conn:
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
        url = row.webhook_url
        row_id = self._record(doc_id, "released", _url_target(url), channel="webhook")
        self._enqueue(row_id, lambda: post_json(url, body, headers=headers, timeout=self.http_timeout))
        return row_id

    def send_alert(self, subject: str, text: str, *, to: str | None = None) -> int:
        """Queue a technician alert (``purpose = "alert"``, no document) to ``to``.

        ``to`` is an e-mail address (email channel) or phone (webhook); the log channel needs none.
        Returns the notification id (a failed row when there is no address for the channel).
        """
        target = to or ("technicians" if self.channel.name == "log" else None)
        if target is None:
            return self._record(
                None,
                "alert",
                "-",
                status="failed",
                error=f"set alerts.notify_to for the {self.channel.name} channel",
            )
        message = Message(to=target, subject=subject, text=text, document_id=None, purpose="alert")
        row_id = self._record(None, "alert", mask_target(target))
        self._enqueue(row_id, lambda: self.channel.send(message))
        return row_id

    def history(self, doc_id: int) -> list[dict]:
        """Every notification of a document, oldest first (target masked; never a code)."""
        with self.engine.connect() as conn:
            found = conn.execute(
                select(notifications)
                .where(notifications.c.document_id == doc_id)
                .order_by(notifications.c.id)
            )
            return [dict(row._mapping) for row in found]

    # -- the queue and the worker ------------------------------------------------------------

    def _record(self, doc_id, purpose, target, *, channel=None, status="pending", error=None) -> int:
        return rows.record(
            self.engine, doc_id, purpose, target, channel or self.channel.name, status, error, self.clock()
        )

    def _enqueue(self, row_id: int, deliver: Callable[[], None], *, attempts: int = 0, delay: float = 0.0):
        with self._cond:
            heapq.heappush(
                self._queue, _Job(time.monotonic() + delay, next(self._seq), row_id, deliver, attempts)
            )
            self._cond.notify_all()

    def _next_job(self) -> _Job | None:
        with self._cond:
            while not self._stopping:
                if self._queue:
                    wait = self._queue[0].due - time.monotonic()
                    if wait <= 0:
                        self._busy += 1
                        return heapq.heappop(self._queue)
                    self._cond.wait(wait)
                else:
                    self._cond.wait()
            return None

    def _run(self) -> None:
        while (job := self._next_job()) is not None:
            try:
                self._attempt(job)
            except Exception:  # noqa: BLE001 - the worker must outlive any one bad job or a DB blip
                log.exception("notification %d: worker error", job.row_id)
            finally:
                with self._cond:
                    self._busy -= 1
                    self._cond.notify_all()

    def _attempt(self, job: _Job) -> None:
        job.attempts += 1
        try:
            job.deliver()
        except Exception as exc:  # noqa: BLE001 - a channel signals any failure by raising
            error = str(exc)[:500] or type(exc).__name__
            if job.attempts >= self.config.max_attempts:
                self._update(job.row_id, "failed", job.attempts, error)
                log.warning("notification %d failed after %d attempts: %s", job.row_id, job.attempts, error)
                return
            delay = min(self.config.retry_seconds * 2 ** (job.attempts - 1), MAX_DELAY_SECONDS)
            self._update(job.row_id, "pending", job.attempts, error)
            log.info(
                "notification %d attempt %d failed (%s); retry in %.1fs",
                job.row_id,
                job.attempts,
                error,
                delay,
            )
            self._enqueue(job.row_id, job.deliver, attempts=job.attempts, delay=delay)
            return
        self._update(job.row_id, "sent", job.attempts, None)
        log.info("notification %d sent (attempt %d)", job.row_id, job.attempts)

    def _update(self, row_id: int, status: str, attempts: int, error: str | None) -> None:
        rows.set_status(self.engine, row_id, status, attempts, error, self.clock())

    def _fail_pending(self, *, exclude: set[int]) -> None:
        lost = rows.fail_pending(self.engine, exclude, self.clock(), LOST_AT_RESTART, LOST_WEBHOOK)
        if lost:
            log.warning("%d queued notifications were lost at restart and marked failed", lost)


def _url_target(url: str) -> str:
    # the query string may carry a gateway token: keep scheme, host and path only
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"
