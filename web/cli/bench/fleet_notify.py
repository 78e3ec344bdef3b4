"""The office's outbox at work during ``ambil bench fleet``: citizen notifications queued at a
steady rate while the lanes run, as when staff make documents ready through the day.

Queueing them all before the run would leave a backlog the office's outbox drains flat out
during the window (measured: a third of one worker's CPU at 64 lanes), which no office sees;
none at all would leave the outbox idle, and a worker stopped mid-run with nothing pending
would prove nothing about notifications lost at a restart.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path


class Trickle:
    """Queue the ``code_issued`` notification of ``issued`` pickups, ``rate`` a second, newest
    pickups first (the lanes claim theirs oldest first), from a thread, until ``stop``."""

    def __init__(self, config_path: Path, issued: list[tuple[int, str]], rate: float):
        self.config_path = config_path
        self.issued = list(reversed(issued))
        self.rate = rate
        self.queued = 0
        self.skipped = 0  # claimed before its turn came: its code is no longer the ready one
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="fleet-notify", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(30)

    def _run(self) -> None:
        from controller.config import load_config
        from controller.kernel.errors import AmbilError
        from controller.office.assemble import build_office_parts
        from web.i18n.messages import CatalogTexts

        parts = build_office_parts(load_config(self.config_path), texts=CatalogTexts())
        try:
            began = time.monotonic()
            for doc_id, code in self.issued:
                due = began + self.queued / self.rate if self.rate > 0 else began
                if self._stop.wait(max(0.0, due - time.monotonic())):
                    return
                try:
                    parts.notifications.code_issued(doc_id, code)
                    self.queued += 1
                except AmbilError:
                    self.skipped += 1
        finally:
            parts.engine.dispose()
