"""A camera QR scanner: OpenCV capture (USB camera, video file, image, stream URL) + QrDecoder.

One worker thread owns the ``cv2.VideoCapture``: it opens the source, reads frames, decodes at
most ``fps_cap`` frames per second and hands every text found to ``on_read``. When the source
cannot be opened or stops giving frames it reports OFFLINE and tries again every
``reconnect_seconds`` until ``stop()``. A file plays at ``fps_cap`` (it has no clock of its
own); at its end it rewinds when ``loop`` is set, otherwise reading stops (``info["eof"]``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque

import cv2
import numpy as np

from hardware.errors import ScannerError
from hardware.scanner.capture_source import CaptureSource
from hardware.scanner.decoder import QrDecoder
from hardware.scanner.interface import OnRead, Scanner
from hardware.status import DeviceState, DeviceStatus

log = logging.getLogger(__name__)

# Worker phases, and what each means for the device state when reported.
_STOPPED, _CONNECTING, _CANNOT_OPEN, _READING, _READ_FAILED, _EOF = (
    "stopped",
    "connecting",
    "cannot-open",
    "reading",
    "no-frames",
    "eof",
)


class CameraScanner(Scanner):
    """Reads QR codes from an OpenCV video source; see the module docstring.

    ``stall_seconds``: how long without a frame before an open source counts as OFFLINE
    (``no-frames``); it is also the FFmpeg open/read timeout for files and streams.
    """

    kind = "scanner"

    def __init__(
        self,
        source: str | int,
        *,
        name: str = "camera",
        fps_cap: float = 10.0,
        width: int | None = None,
        height: int | None = None,
        loop: bool = False,
        reconnect_seconds: float = 2.0,
        decoder: QrDecoder | None = None,
        stall_seconds: float = 5.0,
    ):
        if fps_cap <= 0:
            raise ValueError("fps_cap must be > 0")
        if reconnect_seconds < 0 or stall_seconds <= 0:
            raise ValueError("reconnect_seconds must be >= 0 and stall_seconds > 0")
        self.name = name
        self.source = CaptureSource.parse(source)
        self.fps_cap = fps_cap
        self.width = width
        self.height = height
        self.loop = loop
        self.reconnect_seconds = reconnect_seconds
        self.stall_seconds = stall_seconds
        self.decoder = decoder or QrDecoder()

        self._on_read: OnRead | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()  # guards the counters below, read by status()
        self._phase = _STOPPED
        self._detail = "not started"
        self._since = time.time()
        self._opened_at = 0.0  # monotonic
        self._last_frame_at = 0.0  # monotonic
        self._frame_times: deque[float] = deque(maxlen=30)
        self._frames = 0
        self._scanned = 0
        self._decoded = 0
        self._last_read_at: float | None = None  # wall clock, for people

    # -- Scanner interface ---------------------------------------------------------------

    def start(self, on_read: OnRead) -> None:
        if self._thread is not None and self._thread.is_alive():
            raise ScannerError(f"scanner {self.name} is already running", reason="already-started")
        self._on_read = on_read
        self._stopping.clear()
        self._set_phase(_CONNECTING, f"opening {self.source.describe()}")
        self._thread = threading.Thread(target=self._run, name=f"scanner-{self.name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            # A blocked read returns within the FFmpeg timeout (stall_seconds).
            thread.join(timeout=self.stall_seconds + 2.0)
            if thread.is_alive():
                log.warning("scanner %s: worker did not stop in time", self.name)
        if self._phase != _EOF:
            self._set_phase(_STOPPED, "stopped")

    def status(self) -> DeviceStatus:
        now = time.monotonic()
        with self._lock:
            phase, detail, since = self._phase, self._detail, self._since
            last_frame = self._last_frame_at or self._opened_at
            times = list(self._frame_times)
            info = {
                "source": self.source.describe(),
                "source_kind": self.source.kind,
                "fps": 0.0,
                "frames": self._frames,
                "scanned": self._scanned,
                "decoded": self._decoded,
                "last_read_at": self._last_read_at,
                "eof": phase == _EOF,
            }
        if len(times) >= 2 and now - times[-1] < 2.0 and times[-1] > times[0]:
            info["fps"] = round((len(times) - 1) / (times[-1] - times[0]), 1)

        state, reasons = DeviceState.OFFLINE, [phase]
        if phase == _READING:
            silent_for = now - last_frame
            if silent_for <= self.stall_seconds:
                state, reasons = DeviceState.OK, []
            else:
                reasons, detail = [_READ_FAILED], f"no frame for {silent_for:.0f} s"
                since = time.time() - silent_for + self.stall_seconds
        elif phase == _EOF:
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

    # -- worker ------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            while not self._stopping.is_set():
                capture = self.source.open(
                    width=self.width, height=self.height, timeout_seconds=self.stall_seconds
                )
                if capture is None:
                    if self._phase != _CANNOT_OPEN:
                        log.warning("scanner %s: cannot open %s", self.name, self.source.describe())
                    self._set_phase(_CANNOT_OPEN, f"cannot open {self.source.describe()}")
                    self._stopping.wait(self.reconnect_seconds)
                    continue
                try:
                    outcome = self._read_frames(capture)
                finally:
                    capture.release()
                if outcome == _EOF:
                    log.info("scanner %s: end of %s", self.name, self.source.describe())
                    self._set_phase(_EOF, "end of file reached")
                    return
                if outcome == _READ_FAILED:
                    log.warning("scanner %s: frames stopped; reconnecting", self.name)
                    self._set_phase(_READ_FAILED, f"frames stopped from {self.source.describe()}")
                    self._stopping.wait(self.reconnect_seconds)
        except Exception:  # keep the reason visible on the dashboard instead of a silent dead thread
            log.exception("scanner %s: worker crashed", self.name)
            self._set_phase("failed", "worker crashed; see the log")

    def _read_frames(self, capture: cv2.VideoCapture) -> str:
        """Read until stopped; return ``_EOF``, ``_READ_FAILED`` or ``_STOPPED``."""
        with self._lock:
            self._opened_at = time.monotonic()
            self._last_frame_at = 0.0
            self._frame_times.clear()  # fps of this connection only
        log.info("scanner %s: reading %s", self.name, self.source.describe())
        self._set_phase(_READING, "")
        interval = 1.0 / self.fps_cap
        next_decode = 0.0
        frames_since_rewind = 0
        while not self._stopping.is_set():
            if self.source.is_file:
                if self._stopping.wait(max(0.0, next_decode - time.monotonic())):
                    break
                ok, frame = capture.read()
                if not ok:
                    if not self.loop:
                        return _EOF
                    if frames_since_rewind == 0 or not capture.set(cv2.CAP_PROP_POS_FRAMES, 0):
                        return _READ_FAILED  # nothing to loop over, or not seekable: reopen
                    frames_since_rewind = 0
                    continue
                frames_since_rewind += 1
                self._count_frame()
            else:
                # Grab every frame so the backend's queue stays empty; only decode when due.
                if not capture.grab():
                    return _READ_FAILED
                self._count_frame()
                if time.monotonic() < next_decode:
                    continue
                ok, frame = capture.retrieve()
                if not ok:
                    return _READ_FAILED
            next_decode = time.monotonic() + interval
            self._decode_and_emit(frame)
        return _STOPPED

    def _decode_and_emit(self, frame: np.ndarray) -> None:
        texts = self.decoder.decode(frame)
        with self._lock:
            self._scanned += 1
            if texts:
                self._decoded += len(texts)
                self._last_read_at = time.time()
        for text in texts:
            try:
                self._on_read(text)
            except Exception:  # the lane's problem, but it must not kill the camera
                log.exception("scanner %s: on_read callback failed", self.name)

    def _count_frame(self) -> None:
        now = time.monotonic()
        with self._lock:
            self._frames += 1
            self._last_frame_at = now
            self._frame_times.append(now)

    def _set_phase(self, phase: str, detail: str) -> None:
        with self._lock:
            if phase != self._phase:
                self._since = time.time()
            self._phase, self._detail = phase, detail
