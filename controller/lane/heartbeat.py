"""What a lane reports to the office every few seconds, and the thread that sends it.

The full report goes when its content changed since the office last acknowledged one, and at
least every ``full_every`` seconds; otherwise a small keepalive (``controller.kernel.heartbeat``
says what counts as content and what the keepalive carries).

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

from controller.kernel import heartbeat as protocol
from controller.kernel.errors import OfficeUnreachable

if TYPE_CHECKING:
    from controller.lane.lane import Lane

log = logging.getLogger(__name__)

SCHEMA = protocol.SCHEMA
FULL_EVERY_S = 300.0  # a full report at least this often, changed or not


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
    """Sends ``build()`` through ``send`` every ``interval`` seconds from its own thread: the
    full report, or a keepalive while the office holds the digest of an unchanged one.

    ``send`` returns the office's answer (a dict: ``digest`` of a full report it stored, or
    ``send_full`` for a keepalive it cannot place) and raises when the office cannot be told; the
    sender logs the first failure of a run of failures (not each one) and keeps going.
    """

    def __init__(
        self,
        build: Callable[[], dict],
        send: Callable[[dict], object],
        *,
        interval: float = 3.0,
        full_every: float = FULL_EVERY_S,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.build = build
        self.send = send
        self.interval = interval
        self.full_every = full_every
        self.clock = clock
        self.sent = 0
        self.keepalives = 0
        self.failures = 0
        self.last_sent_at: float | None = None
        self._acked: str | None = None  # the digest of the last full report the office stored
        self._full_at = float("-inf")
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
            self._send(self.build())
        except Exception as exc:  # noqa: BLE001 - any failure: try again next time
            self._acked = None  # the office may have lost it meanwhile (restored): full next time
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

    def _send(self, report: dict) -> None:
        """A keepalive if the office holds this content's digest and a full report is not due;
        the full report otherwise, and at once when the office answers ``send_full``."""
        now = self.clock()
        mine = protocol.digest(report)
        if mine == self._acked and now - self._full_at < self.full_every:
            answer = self.send(protocol.keepalive(report, mine))
            if not (isinstance(answer, dict) and answer.get(protocol.SEND_FULL)):
                self.keepalives += 1
                return
            log.info("the office asked for the full report (it does not hold its digest)")
        answer = self.send(report)
        # an office of schema 1 answers no digest: then every report stays a full one
        held = answer.get("digest") if isinstance(answer, dict) else None
        self._acked = held if held == mine else None
        self._full_at = now

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
