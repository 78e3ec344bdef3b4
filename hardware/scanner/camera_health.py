"""The camera worker's phase and counters, and the health status they add up to.

The worker thread (``camera.CameraScanner``) records what it does here; ``status()`` may be called
from any thread and reads only this, never the capture device.
"""

from __future__ import annotations

import threading
import time
from collections import deque

from hardware.status import DeviceState, DeviceStatus

# Worker phases, and what each means for the device state when reported.
STOPPED, CONNECTING, CANNOT_OPEN, READING, READ_FAILED, EOF, ASLEEP = (
    "stopped",
    "connecting",
    "cannot-open",
    "reading",
    "no-frames",
    "eof",
    "asleep",
)


class CameraHealth:
    """``stall_seconds``: how long without a frame before an open source counts as OFFLINE."""

    def __init__(self, *, kind: str, name: str, stall_seconds: float) -> None:
        self.kind = kind
        self.name = name
        self.stall_seconds = stall_seconds
        self._lock = threading.Lock()  # guards everything below, read by status()
        self.phase = STOPPED
        self._detail = "not started"
        self._since = time.time()
        self._opened_at = 0.0  # monotonic
        self._last_frame_at = 0.0  # monotonic
        self._frame_times: deque[float] = deque(maxlen=30)
        self._frames = 0
        self._scanned = 0
        self._skipped = 0
        self._decoded = 0
        self._last_read_at: float | None = None  # wall clock, for people

    def set_phase(self, phase: str, detail: str) -> None:
        with self._lock:
            if phase != self.phase:
                self._since = time.time()
            self.phase, self._detail = phase, detail

    def connected(self) -> None:
        """A source opened: the frame rate counts from now."""
        with self._lock:
            self._opened_at = time.monotonic()
            self._last_frame_at = 0.0
            self._frame_times.clear()  # fps of this connection only
        self.set_phase(READING, "")

    def count_frame(self) -> None:
        now = time.monotonic()
        with self._lock:
            self._frames += 1
            self._last_frame_at = now
            self._frame_times.append(now)

    def count_scan(self, codes: int) -> None:
        """A frame was decoded and held ``codes`` codes."""
        with self._lock:
            self._scanned += 1
            if codes:
                self._decoded += codes
                self._last_read_at = time.time()

    def count_skip(self) -> None:
        """A frame was not decoded (unchanged, or the lane is idle)."""
        with self._lock:
            self._skipped += 1

    def status(self, *, source: dict, awake: bool, idle: bool) -> DeviceStatus:
        """``source``: ``{"source": name, "source_kind": kind}`` for the info."""
        now = time.monotonic()
        with self._lock:
            phase, detail, since = self.phase, self._detail, self._since
            last_frame = self._last_frame_at or self._opened_at
            times = list(self._frame_times)
            info = {
                **source,
                "fps": 0.0,
                "frames": self._frames,
                "scanned": self._scanned,
                "skipped": self._skipped,
                "decoded": self._decoded,
                "last_read_at": self._last_read_at,
                "eof": phase == EOF,
                "awake": awake,
                "idle": idle,
            }
        if len(times) >= 2 and now - times[-1] < 2.0 and times[-1] > times[0]:
            info["fps"] = round((len(times) - 1) / (times[-1] - times[0]), 1)
        state, reasons = DeviceState.OFFLINE, [phase]
        if phase == READING:
            silent_for = now - last_frame
            if silent_for <= self.stall_seconds:
                state, reasons = DeviceState.OK, []
            else:
                reasons, detail = [READ_FAILED], f"no frame for {silent_for:.0f} s"
                since = time.time() - silent_for + self.stall_seconds
        elif phase in (EOF, ASLEEP):
            state, reasons = DeviceState.OK, []
        return DeviceStatus(
            kind=self.kind,
            name=self.name,
            state=state,
            reasons=reasons,
            detail=detail,
            info=info,
            since=since,
        )
