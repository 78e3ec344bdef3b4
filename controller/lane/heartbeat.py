"""What a lane reports to the office every few seconds, and the thread that sends it.

A heartbeat is a plain JSON-able dict: the lane's screen state, its office link, counters, every
device's ``DeviceStatus``, door alarms, the Pi's health, the software version and the latest
WARNING+ log lines (codes already redacted). It holds no code, no code hash and no personal data.

The lane knows neither how the Pi's health is probed nor where log lines are kept: the
composition root (``controller.system``) hands both in (``controller.ops.host``, ``.logs``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from controller.kernel.errors import OfficeUnreachable

if TYPE_CHECKING:
    from controller.lane.lane import Lane

log = logging.getLogger(__name__)

SCHEMA = 1


def build_heartbeat(
    lane: Lane,
    *,
    host: dict | None = None,
    site: str = "",
    recent_lines: Callable[[], list[dict]] = list,
) -> dict:
    """One report of ``lane`` (cheap: reads what the lane's monitor already polled);
    ``recent_lines`` gives the latest WARNING+ log lines, already redacted (default: none)."""
    status = lane.status()
    devices = dict(status["devices"])  # the signals included (the lane's monitor polls them too)
    return {
        "schema": SCHEMA,
        "lane_id": status["lane_id"],
        "name": status["name"],
        "site": site,
        "sent_at": time.time(),
        "state": status["view"].get("state", ""),
        "office_online": status["office_online"],
        "counters": status["counters"],
        "unreported": status["unreported"],
        "devices": devices,
        "doors": status["doors"],
        "host": host or {},
        "version": (host or {}).get("version", ""),
        "logs": recent_lines(),
    }


class HeartbeatSender:
    """Sends ``build()`` through ``send`` every ``interval`` seconds from its own thread.

    ``send`` raises when the office cannot be told; the sender logs the first failure of a
    run of failures (not each one) and keeps going. ``host_every`` limits the Pi probes (which
    run commands) to one in that many heartbeats.
    """

    def __init__(
        self,
        build: Callable[[], dict],
        send: Callable[[dict], object],
        *,
        interval: float = 3.0,
    ):
        self.build = build
        self.send = send
        self.interval = interval
        self.sent = 0
        self.failures = 0
        self.last_sent_at: float | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="lane-heartbeat", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def beat(self) -> bool:
        """Build and send one heartbeat now; False when it could not be sent."""
        try:
            self.send(self.build())
        except Exception as exc:  # noqa: BLE001 - any failure: try again next time
            if self.failures == 0:  # the link's detail says what to fix (TLS: which certificate)
                why = exc.detail if isinstance(exc, OfficeUnreachable) else type(exc).__name__
                log.warning("heartbeat not delivered: %s", why)
            self.failures += 1
            return False
        if self.failures:
            log.info("heartbeat delivered again after %d failure(s)", self.failures)
        self.failures = 0
        self.sent += 1
        self.last_sent_at = time.time()
        return True

    def _run(self) -> None:
        while not self._stop.is_set():
            self.beat()
            self._stop.wait(self.interval)


class CachedHost:
    """The Pi's health, probed at most every ``max_age`` seconds (probes run small commands)."""

    def __init__(self, probe: Callable[[], dict], *, max_age: float = 30.0):
        self.probe = probe
        self.max_age = max_age
        self._value: dict = {}
        self._at = float("-inf")

    def __call__(self) -> dict:
        now = time.monotonic()
        if now - self._at >= self.max_age:
            try:
                self._value = self.probe()
            except Exception:  # noqa: BLE001 - probes never raise, but a bug must not stop beats
                log.exception("host probe failed")
                self._value = {}
            self._at = now
        return self._value
