"""The sync worker: keeps the lane's offline store fresh and reconciles offline releases.

Every ``interval`` seconds (``lane.sync_seconds``): report any offline releases still
unreconciled, fetch the office's snapshot of what this lane may release offline (code hashes
only, plus the office's time), store it in the journal DB, move the clock floor, and tell the
office which snapshot it now holds (so doors emptied before it can be loaded again). A failed sync changes
nothing: the grace period (``lane.offline_grace_seconds``) counts from the last good one.

Two links to the office, like the office client: ``InProcessSyncLink`` (all-in-one) and
``HttpSyncLink`` (``GET /api/v1/sync/pickups``, ``POST /api/v1/sync/offline-releases``,
``POST /api/v1/sync/held``).
"""

from __future__ import annotations

import logging
import threading
import time

import httpx

from controller.kernel.errors import AmbilError, OfficeUnreachable
from controller.lane.offline import OfflineStore
from controller.lane.reconcile import Reconciler

log = logging.getLogger(__name__)

FLOOR_PERSIST_SECONDS = 60.0  # the clock floor is also written this often between syncs


class SyncLink:
    """The office as the sync worker sees it. Both methods raise ``OfficeUnreachable``."""

    def fetch(self) -> dict:
        """``{lane_id, office_time, pickups: [...]}``."""
        raise NotImplementedError

    def report_offline(self, releases: list[dict]) -> list[dict]:
        """One verdict ``{claim_id, result, detail}`` per offline release."""
        raise NotImplementedError

    def acknowledge(self, *, snapshot_time: float, grace_seconds: float) -> None:
        """Tell the office this lane stored the snapshot of ``snapshot_time`` and releases from
        it for at most ``grace_seconds``: doors staff emptied before that may be loaded again."""
        raise NotImplementedError

    def close(self) -> None:
        pass


class InProcessSyncLink(SyncLink):
    """All-in-one: the office's ``OfficeSync`` in the same process."""

    def __init__(self, office_sync, lane_id: str):
        self.office_sync = office_sync
        self.lane_id = lane_id

    def fetch(self) -> dict:
        return self.office_sync.snapshot(self.lane_id)

    def report_offline(self, releases: list[dict]) -> list[dict]:
        return self.office_sync.reconcile(self.lane_id, releases)

    def acknowledge(self, *, snapshot_time: float, grace_seconds: float) -> None:
        self.office_sync.acknowledge(self.lane_id, snapshot_time=snapshot_time, grace_seconds=grace_seconds)


class HttpSyncLink(SyncLink):
    """The office API with the lane's key (the lane id comes from the key, not the request)."""

    def __init__(self, base_url: str, api_key: str, *, timeout: float = 10.0, transport=None):
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {api_key}"},
            timeout=timeout,
            transport=transport,
        )

    def _call(self, method: str, url: str, **kwargs) -> dict:
        try:
            response = self._http.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            raise OfficeUnreachable(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code != 200:
            raise OfficeUnreachable(f"sync: office answered HTTP {response.status_code}")
        return response.json()

    def fetch(self) -> dict:
        return self._call("GET", "/api/v1/sync/pickups")

    def report_offline(self, releases: list[dict]) -> list[dict]:
        return self._call("POST", "/api/v1/sync/offline-releases", json={"releases": releases})["results"]

    def acknowledge(self, *, snapshot_time: float, grace_seconds: float) -> None:
        body = {"snapshot_time": snapshot_time, "grace_seconds": grace_seconds}
        self._call("POST", "/api/v1/sync/held", json=body)

    def close(self) -> None:
        self._http.close()


class SyncWorker:
    """Runs ``sync_once`` every ``interval`` seconds on its own thread."""

    def __init__(self, store: OfflineStore, link: SyncLink, *, interval: float = 10.0):
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
        self.link.close()

    def poke(self) -> None:
        """Sync now (the office link came back)."""
        self._wake.set()

    def sync_once(self) -> bool:
        """Reconcile, then refresh the snapshot; False when the office could not be reached.

        Reconciling first means a snapshot never re-offers what this lane just released."""
        try:
            self.reconciler.run()
            snapshot = self.link.fetch()
            office_time = float(snapshot["office_time"])
            count = self.store.replace(snapshot["pickups"], office_time=office_time)
            self.link.acknowledge(snapshot_time=office_time, grace_seconds=self.store.grace_seconds)
        except (OfficeUnreachable, AmbilError) as exc:
            if self.failures == 0:
                log.warning("sync failed: %s", exc.key)
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
