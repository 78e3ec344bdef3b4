"""The one sealer of the audit chain: records that arrived are given their place right after.

On PostgreSQL ``audit.append`` only inserts; this job seals what has arrived every
``interval_s``, in exactly one office process at a time (a ``JobLock``). On SQLite appends seal
themselves and this job finds nothing. A record stays unsealed for about one interval; if the sealing process dies, another worker takes
the job over and seals them: nothing is lost, the records are in the database already.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy.engine import Engine

from controller.office import audit
from controller.office.background import BackgroundJob

log = logging.getLogger(__name__)


class AuditSealer(BackgroundJob):
    """Seals arrived audit records into the chain, in the process holding its job lock."""

    thread_name = "audit-sealer"

    def __init__(self, engine: Engine, *, interval_s: float = 0.1, job_lock=None):
        self.engine = engine
        self.interval_s = interval_s
        self.job_lock = job_lock
        self.sealed = 0  # records this process sealed (tests, logs)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def seal_now(self) -> int:
        """Seal everything that has arrived; returns how many records."""
        count = audit.seal_all(self.engine)
        self.sealed += count
        return count

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                if self._mine():
                    self.seal_now()
            except Exception:  # noqa: BLE001 - a DB blip must not end the sealer; the records wait
                log.exception("sealing the audit log failed; retrying")

    def _on_stop(self) -> None:
        try:  # what arrived in this process's last moments is sealed now, not by the next worker
            if self._mine():
                self.seal_now()
        except Exception:  # noqa: BLE001 - another worker, or the next start, seals them
            log.warning("audit records left unsealed at stop; the next sealer takes them")
