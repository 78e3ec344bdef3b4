"""A camera QR scanner: OpenCV capture (USB camera, video file, image, stream URL) + QrDecoder.

A worker thread owns the ``cv2.VideoCapture``: it opens the source and reports OFFLINE, trying
again every ``reconnect_seconds``, when the source cannot be opened or stops giving frames.

Live sources (cameras, streams): a capture thread grabs every frame and a decode loop always
gets the freshest one (``LatestFrame``), at most ``fps_cap`` times a second. Unchanged frames
are skipped, and after ``idle_after`` seconds without a code or motion only ``idle_fps`` frames
a second are looked at (``DecodePacer``): an idle lane costs little CPU. ``set_awake(False)``
(vehicle-present sensor says the lane is empty) stops decoding altogether.

Files have no clock of their own: they play at ``fps_cap`` and every frame is decoded (a file
is a recording replayed for a test or a diagnosis). At the end a file rewinds when ``loop`` is
set, otherwise reading stops (``info["eof"]``).
"""

from __future__ import annotations

import logging
import threading
import time

import cv2
import numpy as np

from hardware.errors import ScannerError
from hardware.scanner.camera_health import (
    ASLEEP,
    CANNOT_OPEN,
    CONNECTING,
    EOF,
    READ_FAILED,
    STOPPED,
    CameraHealth,
)
from hardware.scanner.capture_source import CaptureSource
from hardware.scanner.decode_pacer import DecodePacer
from hardware.scanner.decoder import QrDecoder
from hardware.scanner.frame_check import check_frame
from hardware.scanner.frame_region import Roi, check_roi, gray_region
from hardware.scanner.interface import OnRead, Scanner
from hardware.scanner.latest_frame import LatestFrame, grab_frames
from hardware.status import DeviceStatus

log = logging.getLogger(__name__)


class CameraScanner(Scanner):
    """Reads QR codes from an OpenCV video source; see the module docstring.

    ``stall_seconds``: how long without a frame before an open source counts as OFFLINE
    (``no-frames``); it is also the FFmpeg open/read timeout for files and streams.
    ``roi``: (x, y, w, h) as fractions of the frame: only that region is decoded.
    ``exposure`` / ``auto_exposure``: camera settings, applied where the source supports them.
    ``try_inverted``: also read light-on-dark codes (phones in dark mode); ignored when a
    ``decoder`` is given. ``idle_fps`` / ``idle_after`` / ``change_threshold`` /
    ``redecode_seconds``: the idle policy of live sources (``DecodePacer``).
    ``release_when_asleep``: close the camera while ``set_awake(False)`` is in effect.
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
        roi: Roi | None = None,
        exposure: float | None = None,
        auto_exposure: bool | None = None,
        try_inverted: bool = True,
        idle_fps: float = 2.0,
        idle_after: float = 10.0,
        change_threshold: float = 2.0,
        redecode_seconds: float = 1.0,
        release_when_asleep: bool = False,
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
        self.roi = check_roi(roi)
        self.exposure = exposure
        self.auto_exposure = auto_exposure
        self.release_when_asleep = release_when_asleep
        self.decoder = decoder or QrDecoder(try_inverted=try_inverted)
        self._pacer = DecodePacer(  # validates the idle options
            fps_cap=fps_cap,
            idle_fps=idle_fps,
            idle_after=idle_after,
            change_threshold=change_threshold,
            redecode_seconds=redecode_seconds,
            now=time.monotonic(),
        )
        self._awake = True
        self._awake_changed = threading.Event()

        self._on_read: OnRead | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._health = CameraHealth(kind=self.kind, name=name, stall_seconds=stall_seconds)

    # -- Scanner interface ---------------------------------------------------------------

    def start(self, on_read: OnRead) -> None:
        if self._thread is not None and self._thread.is_alive():
            raise ScannerError(f"scanner {self.name} is already running", reason="already-started")
        self._on_read = on_read
        self._stopping.clear()
        self._pacer.wake(time.monotonic())
        self._health.set_phase(CONNECTING, f"opening {self.source.describe()}")
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
        if self._health.phase != EOF:
            self._health.set_phase(STOPPED, "stopped")

    def set_awake(self, awake: bool) -> None:
        """Vehicle-present input: while not awake nothing is decoded (or the camera is released)."""
        if awake == self._awake:
            return
        self._awake = awake
        if awake:
            self._pacer.wake(time.monotonic())  # a vehicle arrived: look at full rate at once
        log.info("scanner %s: %s", self.name, "awake" if awake else "asleep")
        self._awake_changed.set()

    def status(self) -> DeviceStatus:
        source = {"source": self.source.describe(), "source_kind": self.source.kind}
        return self._health.status(
            source=source, awake=self._awake, idle=self._pacer.is_idle(time.monotonic())
        )

    # -- worker ------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            while not self._stopping.is_set():
                if not self._awake and self.release_when_asleep and not self.source.is_file:
                    self._sleep_released()
                    continue
                capture = self.source.open(
                    width=self.width,
                    height=self.height,
                    timeout_seconds=self.stall_seconds,
                    exposure=self.exposure,
                    auto_exposure=self.auto_exposure,
                )
                if capture is None:
                    if self._health.phase != CANNOT_OPEN:
                        log.warning("scanner %s: cannot open %s", self.name, self.source.describe())
                    self._health.set_phase(CANNOT_OPEN, f"cannot open {self.source.describe()}")
                    self._stopping.wait(self.reconnect_seconds)
                    continue
                self._connected()
                try:
                    if self.source.is_file:
                        outcome = self._play_file(capture)
                    else:
                        outcome = self._read_live(capture)
                finally:
                    capture.release()
                if outcome == EOF:
                    log.info("scanner %s: end of %s", self.name, self.source.describe())
                    self._health.set_phase(EOF, "end of file reached")
                    return
                if outcome == READ_FAILED:
                    log.warning("scanner %s: frames stopped; reconnecting", self.name)
                    self._health.set_phase(READ_FAILED, f"frames stopped from {self.source.describe()}")
                    self._stopping.wait(self.reconnect_seconds)
        except Exception:  # keep the reason visible on the dashboard instead of a silent dead thread
            log.exception("scanner %s: worker crashed", self.name)
            self._health.set_phase("failed", "worker crashed; see the log")

    def _connected(self) -> None:
        log.info("scanner %s: reading %s", self.name, self.source.describe())
        self._health.connected()

    def _sleep_released(self) -> None:
        self._health.set_phase(ASLEEP, "asleep: camera released until the lane wakes")
        while not self._awake and not self._stopping.is_set():
            self._awake_changed.wait(0.5)
            self._awake_changed.clear()

    def _play_file(self, capture: cv2.VideoCapture) -> str:
        """Decode every frame at ``fps_cap``; return ``EOF``, ``READ_FAILED`` or ``STOPPED``."""
        interval = 1.0 / self.fps_cap
        next_decode = 0.0
        frames_since_rewind = 0
        while not self._stopping.is_set():
            if self._stopping.wait(max(0.0, next_decode - time.monotonic())):
                break
            ok, frame = capture.read()
            if not ok:
                if not self.loop:
                    return EOF
                if frames_since_rewind == 0 or not capture.set(cv2.CAP_PROP_POS_FRAMES, 0):
                    return READ_FAILED  # nothing to loop over, or not seekable: reopen
                frames_since_rewind = 0
                continue
            frames_since_rewind += 1
            self._health.count_frame()
            next_decode = time.monotonic() + interval
            if self._awake:
                self._decode_and_emit(gray_region(frame, self.roi))
        return STOPPED

    def _read_live(self, capture: cv2.VideoCapture) -> str:
        """Grab in a capture thread, decode the freshest frame in this one; return the outcome."""
        slot = LatestFrame()
        grabber = threading.Thread(
            target=grab_frames,
            args=(capture, slot, self._health.count_frame),
            name=f"scanner-{self.name}-capture",
            daemon=True,
        )
        grabber.start()
        try:
            return self._decode_latest(slot)
        finally:
            slot.close()
            # A blocked grab returns within the backend's read timeout; release only after it.
            grabber.join(timeout=max(self.stall_seconds, 10.0) + 2.0)
            if grabber.is_alive():
                log.warning("scanner %s: capture thread did not stop in time", self.name)

    def _decode_latest(self, slot: LatestFrame) -> str:
        next_look = 0.0
        while not self._stopping.is_set():
            if slot.failed:
                return READ_FAILED
            if not self._awake:
                if self.release_when_asleep:
                    return ASLEEP
                self._awake_changed.wait(0.5)  # the capture thread keeps grabbing meanwhile
                self._awake_changed.clear()
                continue
            if self._stopping.wait(max(0.0, next_look - time.monotonic())):
                break
            frame = slot.take_fresh(timeout=0.5)
            if frame is None:
                continue  # no frame yet; the capture thread reports a lost source via slot.failed
            now = time.monotonic()
            self._snapshot = (frame, now)  # a reference only: what read_once() decodes
            next_look = now + self._pacer.interval(now)
            gray = gray_region(frame, self.roi)
            if self._pacer.should_decode(gray, now):
                if self._decode_and_emit(gray):
                    self._pacer.wake(now)
            else:
                self._health.count_skip()
        return STOPPED

    def read_once(self) -> dict:
        """Decode the freshest frame now, for a technician's self-test (``frame_check``)."""
        return check_frame(getattr(self, "_snapshot", None), self.decoder, self.roi)

    def _decode_and_emit(self, frame: np.ndarray) -> bool:
        texts = self.decoder.decode(frame)
        self._health.count_scan(len(texts))
        for text in texts:
            try:
                self._on_read(text)
            except Exception:  # the lane's problem, but it must not kill the camera
                log.exception("scanner %s: on_read callback failed", self.name)
        return bool(texts)
