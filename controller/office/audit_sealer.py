"""The one sealer of the audit chain: records that arrived are given their place right after.

On PostgreSQL ``audit.append`` only inserts; this job seals, in exactly one office process at a
time (a ``JobLock``), as soon as a commit in this process appended (a commit hook wakes it: no
polling) and every ``fallback_s`` otherwise, which covers records other office processes wrote
and a wake-up lost to a failure. On SQLite appends seal themselves and this job finds nothing.
If the sealing process dies, another worker takes the job over and seals what is left: nothing is
lost, the records are committed already. At stop it seals what is there.
"""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy.engine import Engine

from controller.office import audit
from controller.office.background import BackgroundJob
from controller.office.db import commit_hooks

log = logging.getLogger(__name__)

FALLBACK_S = 0.5  # records of other office processes are sealed within about this long


class AuditSealer(BackgroundJob):
    """Seals arrived audit records into the chain, in the process holding its job lock."""

    thread_name = "audit-sealer"

    def __init__(self, engine: Engine, *, fallback_s: float = FALLBACK_S, job_lock=None):
        self.engine = engine
        self.fallback_s = fallback_s
        self.job_lock = job_lock
        self.sealed = 0  # records this process sealed (tests, logs)
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._holding = True  # until the lock says otherwise: try at the first wake-up
        self._next_try = 0.0
        commit_hooks.subscribe(engine, audit.APPENDED, self._wake.set)

    def seal_now(self) -> int:
        """Seal everything that has arrived, if this process runs the sealer; returns how many."""
        self._holding = self._mine()
        self._next_try = time.monotonic() + self.fallback_s
        if not self._holding:
            return 0
        count = audit.seal_all(self.engine)
        self.sealed += count
        return count

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()  # out of its wait now, not at the next fallback period
        super().stop()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.fallback_s)
            self._wake.clear()  # before sealing: a commit during the seal wakes the next round
            if self._stop.is_set():
                break
            if not self._holding and time.monotonic() < self._next_try:
                continue  # another process seals: ask for its lock once a period, not per commit
            try:
                self.seal_now()
            except Exception:  # noqa: BLE001 - a DB blip must not end the sealer; the records wait
                log.exception("sealing the audit log failed; retrying")

    def _on_stop(self) -> None:
        try:  # what arrived in this process's last moments is sealed now, not by the next worker
            self.seal_now()
        except Exception:  # noqa: BLE001 - another worker, or the next start, seals them
            log.warning("audit records left unsealed at stop; the next sealer takes them", exc_info=True)
