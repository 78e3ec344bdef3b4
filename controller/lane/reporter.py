"""Reports release outcomes to the office until it acknowledges each one."""

from __future__ import annotations

import logging
import threading

from controller.kernel.errors import AmbilError, OfficeUnreachable
from controller.lane.journal import Journal
from controller.lane.link import OfficeLink

log = logging.getLogger(__name__)


class Reporter:
    def __init__(self, journal: Journal, office: OfficeLink, *, interval: float = 1.0):
        self.journal = journal
        self.office = office
        self.interval = interval
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="lane-reporter", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout=5)

    def poke(self) -> None:
        """A new outcome is in the journal: report it now rather than at the next tick."""
        self._wake.set()

    def flush(self) -> int:
        """Report everything pending once; returns how many are still pending."""
        pending = self.journal.unreported()
        for release in pending:
            try:
                self.office.report(claim_id=release.claim_id, outcome=release.outcome, detail=release.detail)
            except OfficeUnreachable:
                return len(self.journal.unreported())
            except AmbilError as exc:
                # the office knows better (e.g. the claim is unknown to it): nothing left to tell
                log.warning("office refused report of claim %s: %s", release.claim_id, exc.key)
            self.journal.mark_reported(release.claim_id)
        return 0

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.flush()
            except Exception:  # keep reporting whatever one bad record does
                log.exception("reporter pass failed")
            self._wake.wait(self.interval)
            self._wake.clear()
