"""The outbox worker: one background thread per process sending the due rows of ``outbox.py``.

It leases due rows a batch at a time (``outbox.claim_due``: one conditional UPDATE, so two workers
on one database never send the same row) and tries them in order while the batch's lease is young
(the rest go back). For each it opens the payload (a sealed one with the outbox key), sends it
through the channel (or, for an agency webhook, POSTs the signed body), and records the outcome:
sent (the batch's in one statement at its end), a retry after ``retry_seconds`` doubling each
time (at most ``MAX_DELAY_SECONDS``), or failed after ``max_attempts``. It wakes when this
process queues a row and every ``poll_seconds`` for rows other processes queued or that came due.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable

from controller.office.notify import outbox
from controller.office.notify.channels import Message, post_json
from controller.office.notify.sealing import SealBroken

log = logging.getLogger(__name__)

KEY_LOST = "the message key (secrets/outbox.key) was lost or replaced: reissue the code to notify again"
NO_PAYLOAD = "nothing to send (queued before the outbox): reissue the code to notify again"
MAX_DELAY_SECONDS = 6 * 3600.0
POLL_SECONDS = 1.0  # how often the worker looks for rows other processes queued or left due


class OutboxWorker:
    """Sends the outbox's due rows from one thread; ``sent`` counts its deliveries."""

    def __init__(self, engine, config, *, channel, sealer, http, clock, http_timeout, poll_seconds):
        self.engine = engine
        self.config = config
        self.channel = channel
        self._sealer = sealer
        self._http = http
        self.clock = clock
        self.http_timeout = http_timeout
        self.poll_seconds = poll_seconds
        # who holds a lease: host, process and this object (two workers in one process are two)
        self.owner = f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._wake = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self.sent = 0

    def start(self) -> None:
        with self._wake:
            self._stopping = False
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="notifications", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        with self._wake:
            self._stopping = True
            self._wake.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def wake(self) -> None:
        """A row was queued: look now."""
        with self._wake:
            self._wake.notify_all()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while outbox.pending_count(self.engine):
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)
        return True

    def _run(self) -> None:
        while True:
            with self._wake:
                if self._stopping:
                    return
            try:
                batch = outbox.claim_due(self.engine, self.owner, self.clock())
                if batch:
                    self._send_batch(batch)
                    continue
                wait = self.poll_seconds
                upcoming = outbox.next_due(self.engine)
                if upcoming is not None:
                    wait = min(wait, max(0.0, upcoming - self.clock()))
            except Exception:  # noqa: BLE001 - the worker must outlive any one bad row or a DB blip
                log.exception("notifications worker error")
                wait = self.poll_seconds
            with self._wake:
                if not self._stopping:
                    self._wake.wait(max(wait, 0.01))

    def _send_batch(self, batch: list[outbox.Due]) -> None:
        """Each row of ``batch`` (leased now) tried once, while less than half its lease has gone
        (so no send starts that could outlast it); the rest released; the sent ones marked."""
        leased_at, sent = self.clock(), []
        try:
            for number, due in enumerate(batch):
                with self._wake:
                    stopping = self._stopping
                if stopping or self.clock() - leased_at > outbox.LEASE_SECONDS / 2:
                    outbox.release(self.engine, [d.id for d in batch[number:]], self.owner)
                    return
                if self._attempt(due):
                    sent.append(due.id)
        finally:
            if sent:
                self.sent += outbox.mark_sent_many(self.engine, sent, self.owner, self.clock())
                log.info("notifications sent: %s", ", ".join(map(str, sent)))

    def _attempt(self, due: outbox.Due) -> bool:
        """Send ``due`` once; True when delivered (the caller marks it sent), else recorded here."""
        attempts = due.attempts + 1
        try:
            deliver = self._delivery(due)
        except _Undeliverable as exc:
            outbox.mark_failed(self.engine, due.id, self.owner, due.attempts, str(exc), self.clock())
            log.warning("notification %d cannot be sent: %s", due.id, exc)
            return False
        try:
            deliver()
        except Exception as exc:  # noqa: BLE001 - a channel signals any failure by raising
            error = str(exc)[:500] or type(exc).__name__
            now = self.clock()
            if attempts >= self.config.max_attempts:
                outbox.mark_failed(self.engine, due.id, self.owner, attempts, error, now)
                log.warning("notification %d failed after %d attempts: %s", due.id, attempts, error)
                return False
            delay = min(self.config.retry_seconds * 2 ** (attempts - 1), MAX_DELAY_SECONDS)
            outbox.mark_retry(self.engine, due.id, self.owner, attempts, error, now + delay, now)
            log.info("notification %d attempt %d failed (%s); retry in %.1fs", due.id, attempts, error, delay)
            return False
        return True

    def _delivery(self, due: outbox.Due) -> Callable[[], None]:
        """What sending ``due`` means; raises _Undeliverable when it cannot be sent at all."""
        if due.sealed is not None:
            try:
                payload = self._sealer.open(due.sealed)
            except SealBroken:
                raise _Undeliverable(KEY_LOST) from None
        elif due.payload is not None:
            payload = json.loads(due.payload)
        else:
            raise _Undeliverable(NO_PAYLOAD)
        if payload.get("agency"):
            url, body, headers = payload["url"], payload["body"].encode("utf-8"), payload["headers"]
            return lambda: post_json(url, body, headers=headers, timeout=self.http_timeout, client=self._http)
        if due.channel != self.channel.name:
            # the address was picked for the other channel (an e-mail is not a phone number)
            raise _Undeliverable(f"queued for the {due.channel} channel, which is no longer configured")
        message = Message(
            to=payload["to"],
            subject=payload["subject"],
            text=payload["text"],
            document_id=due.document_id,
            purpose=due.purpose,
        )
        return lambda: self.channel.send(message)


class _Undeliverable(Exception):
    """A row that no attempt can send (the text, for staff, says why)."""
