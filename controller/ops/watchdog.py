"""systemd notifications (sd_notify) and a watchdog fed only while the lane loop is alive.

Under ``Type=notify`` systemd hands the service a datagram socket in ``$NOTIFY_SOCKET`` (a path,
or an abstract socket written with a leading ``@``). The process says READY=1 once it serves,
STOPPING=1 when it shuts down, and, with ``WatchdogSec=`` set, WATCHDOG=1 at least every
``$WATCHDOG_USEC`` microseconds, or systemd kills and restarts it.

Pinging from a thread proves only that the thread lives, so the watchdog pings only while the
lane's worker loop turns: the worker stamps its ``last_loop_at`` (monotonic) on every turn, and
a stamp older than the watchdog interval stops the pings. A release legitimately keeps the worker
busy (a 50-page print takes minutes): while the screen shows a release in progress, the stamp may
be as old as ``busy_limit``. No extra package: it is one ``sendto`` on an AF_UNIX socket.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from controller.system import System

log = logging.getLogger(__name__)

# lane screen states in which the worker is inside one release (asking, printing, opening)
BUSY_STATES = frozenset({"checking", "printing"})


def notify(message: str, *, socket_path: str | None = None) -> bool:
    """Send ``message`` (e.g. ``"READY=1"``) to systemd; False when not run under Type=notify."""
    path = socket_path if socket_path is not None else os.environ.get("NOTIFY_SOCKET", "")
    if not path:
        return False
    address = "\0" + path[1:] if path.startswith("@") else path  # '@' marks the abstract namespace
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.sendto(message.encode(), address)
    except OSError as exc:
        log.warning("sd_notify to %s failed: %s", path, exc)
        return False
    return True


def watchdog_interval(environ: dict[str, str] | None = None) -> float | None:
    """systemd's watchdog timeout in seconds, or None when this process has no watchdog.

    ``WATCHDOG_PID``, when set, names the process the watchdog is meant for (a child started by
    the service must not feed it).
    """
    env = os.environ if environ is None else environ
    usec = env.get("WATCHDOG_USEC", "")
    pid = env.get("WATCHDOG_PID", "")
    if not usec.isdigit() or int(usec) == 0:
        return None
    if pid and pid.isdigit() and int(pid) != os.getpid():
        return None
    return int(usec) / 1_000_000


def lane_alive(
    last_loop_at: float, screen_state: str, *, limit: float, busy_limit: float, now: float | None = None
) -> bool:
    """True while the lane worker turned within ``limit`` seconds (``busy_limit`` mid-release)."""
    now = time.monotonic() if now is None else now
    stale = now - last_loop_at
    if stale <= limit:
        return True
    return str(screen_state) in BUSY_STATES and stale <= busy_limit


class Watchdog:
    """Says READY=1 on ``start``, WATCHDOG=1 every ``interval / 2`` while ``alive()``, STOPPING=1 on ``stop``.

    ``interval`` is systemd's watchdog timeout (None: no pings, only READY/STOPPING/STATUS).
    """

    def __init__(
        self,
        *,
        alive: Callable[[], bool] = lambda: True,
        interval: float | None = None,
        socket_path: str | None = None,
        status: Callable[[], str] | None = None,
    ):
        self.alive = alive
        self.interval = interval
        self.socket_path = socket_path
        self.status = status
        self.pings = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._was_alive = True
        self._last_status = ""

    def send(self, message: str) -> bool:
        return notify(message, socket_path=self.socket_path)

    def start(self) -> None:
        self._report_status()
        self.send("READY=1")
        if self.interval:
            log.info("systemd watchdog: pinging every %.1f s while the lane loop is alive", self.interval / 2)
            self._thread = threading.Thread(target=self._run, name="sd-watchdog", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.send("STOPPING=1")
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        period = self.interval / 2
        while not self._stop.wait(period):
            self.tick()

    def tick(self) -> bool:
        """One watchdog turn: ping if alive. Returns whether it pinged."""
        try:
            alive = bool(self.alive())
        except Exception:  # a broken check must look like a dead loop, not crash the thread
            log.exception("watchdog liveness check failed")
            alive = False
        if alive != self._was_alive:
            # once per change, not on every tick: a frozen loop must not flood the journal
            if alive:
                log.warning("lane loop alive again: watchdog pings resume")
            else:
                log.error("lane loop stalled: watchdog pings stop")
            self._was_alive = alive
        self._report_status()
        if alive and self.send("WATCHDOG=1"):
            self.pings += 1
            return True
        return False

    def _report_status(self) -> None:
        if self.status is None:
            return
        try:
            text = self.status()
        except Exception:
            return
        if text and text != self._last_status:
            self._last_status = text
            self.send(f"STATUS={text}")


def start_watchdog(system: System) -> Watchdog | None:
    """Start notifying systemd for a started System; None when not run under Type=notify."""
    if not os.environ.get("NOTIFY_SOCKET"):
        return None
    interval = watchdog_interval()
    lane = system.lane
    if lane is not None:
        live = lane.liveness()  # the lane's worker stamp, screen state and longest release
        limit = interval or 0.0

        def alive() -> bool:
            return lane_alive(
                live.last_loop_at(), live.screen_state(), limit=limit, busy_limit=live.busy_limit
            )

        def status() -> str:
            return f"lane {live.lane_id}: {live.screen_state()}"

        watchdog = Watchdog(alive=alive, interval=interval, status=status)
    else:
        # an office has no loop of its own to watch; the pings show the process still schedules
        watchdog = Watchdog(interval=interval, status=lambda: f"{system.config.role} serving")
    watchdog.start()
    return watchdog
