"""The sync worker: keeps the lane's offline store fresh and reconciles offline releases.

Every ``interval`` seconds (``lane.sync_seconds``): report any offline releases still
unreconciled, fetch the office's snapshot of what this lane may release offline (code hashes
only, plus the office's time), store it in the journal DB, move the clock floor, and tell the
office which snapshot it now holds (so doors emptied before it can be loaded again). A failed sync changes
nothing: the grace period (``lane.offline_grace_seconds``) counts from the last good one.

It talks to the office through the lane's one link (``controller.lane.link``), whose owner
closes it.
"""

from __future__ import annotations

import logging
import threading
import time

from controller.kernel.errors import AmbilError, OfficeUnreachable
from controller.lane.link import OfficeLink
from controller.lane.offline import OfflineStore
from controller.lane.reconcile import Reconciler

log = logging.getLogger(__name__)

FLOOR_PERSIST_SECONDS = 60.0  # the clock floor is also written this often between syncs


class SyncWorker:
    """Runs ``sync_once`` every ``interval`` seconds on its own thread."""

    def __init__(self, store: OfflineStore, link: OfficeLink, *, interval: float = 10.0):
        self.store = store
        self.link = link
        self.interval = interval
        self.reconciler = Reconciler(store, link)
        self.syncs = 0
        self.failures = 0
        self.last_error = ""
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._floor_at = 0.0

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="lane-sync", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        try:
            self.store.clock.persist()
        except Exception:  # noqa: BLE001 - the journal may already be closed at shutdown
            log.debug("clock floor not persisted at stop", exc_info=True)

    def poke(self) -> None:
        """Sync now (the office link came back)."""
        self._wake.set()

    def sync_once(self) -> bool:
        """Reconcile, then refresh the snapshot; False when the office could not be reached.

        Reconciling first means a snapshot never re-offers what this lane just released."""
        try:
            self.reconciler.run()
            snapshot = self.link.fetch_snapshot()
            office_time = float(snapshot["office_time"])
            count = self.store.replace(snapshot["pickups"], office_time=office_time)
            self.link.acknowledge(snapshot_time=office_time, grace_seconds=self.store.grace_seconds)
        except (OfficeUnreachable, AmbilError) as exc:
            if self.failures == 0:
                log.warning("sync failed: %s (%s)", exc.key, exc.detail)
            self.failures += 1
            self.last_error = exc.key
            return False
        if self.failures:
            log.info("sync works again after %d failure(s)", self.failures)
        self.failures = 0
        self.last_error = ""
        self.syncs += 1
        log.debug("synced %d offline-releasable pickups", count)
        return True

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.sync_once()
                if time.monotonic() - self._floor_at >= FLOOR_PERSIST_SECONDS:
                    self._floor_at = time.monotonic()
                    self.store.clock.persist()
            except Exception:  # keep syncing whatever one bad answer does
                log.exception("sync pass failed")
            self._wake.wait(self.interval)
            self._wake.clear()

    def status(self) -> dict:
        return {
            **self.store.status(),
            "syncs": self.syncs,
            "failing": self.failures > 0,
            "last_error": self.last_error,
            "reconciled": dict(self.reconciler.totals),
        }
