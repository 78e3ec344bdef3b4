"""A simulated scanner for the demo, the lane screen's test mode and tests.

It behaves like a real scanner toward the lane: texts arrive on ``on_read`` from the
scanner's own worker thread, in order. A script drives it with ``inject(text)`` (as if a code
was read) or ``show_image(image)`` (hold a picture in front of the camera: it goes through the
same ``QrDecoder`` as the camera driver). ``fail()`` / ``recover()`` make it look unplugged.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from pathlib import Path

import numpy as np

from hardware.scanner.decoder import QrDecoder, load_image_bytes, load_image_file
from hardware.scanner.interface import OnRead, Scanner
from hardware.status import DeviceState, DeviceStatus

log = logging.getLogger(__name__)

_STOP = object()  # queue sentinel


class SimScanner(Scanner):
    """Scriptable scanner. ``reads`` lists every text injected or found, oldest first.

    Texts injected before ``start()`` wait and are delivered once started. While ``fail()``
    is in effect injected texts are dropped, as a camera that is gone reads nothing.
    """

    kind = "scanner"

    def __init__(self, *, name: str = "sim-scanner", decoder: QrDecoder | None = None):
        self.name = name
        self.decoder = decoder or QrDecoder()
        self.reads: list[str] = []
        self._pending: queue.Queue = queue.Queue()
        self._delivered = 0
        self._on_read: OnRead | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._failure: str | None = None
        self._last_read_at: float | None = None
        self._since = time.time()

    # -- Scanner interface ---------------------------------------------------------------

    def start(self, on_read: OnRead) -> None:
        if self._thread is not None:
            return
        self._on_read = on_read
        self._thread = threading.Thread(target=self._run, name=f"scanner-{self.name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        thread, self._thread = self._thread, None
        if thread is not None:
            self._pending.put(_STOP)
            thread.join(timeout=5)

    def status(self) -> DeviceStatus:
        with self._lock:
            info = {
                "count": len(self.reads),
                "delivered": self._delivered,
                "last_read_at": self._last_read_at,
                "running": self._thread is not None,
            }
            failure, since = self._failure, self._since
        if failure is not None:
            return DeviceStatus(
                kind=self.kind,
                name=self.name,
                state=DeviceState.OFFLINE,
                reasons=["simulated-failure"],
                detail=failure,
                info=info,
                since=since,
            )
        return DeviceStatus(kind=self.kind, name=self.name, detail="simulated", info=info, since=since)

    # -- script ----------------------------------------------------------------------

    def scripted(self) -> SimScanner:
        return self

    def inject(self, text: str) -> None:
        """Emit ``text`` as if it had just been read (dropped while failed)."""
        with self._lock:
            if self._failure is not None:
                log.info("scanner %s: failed, dropping an injected read", self.name)
                return
            self.reads.append(text)
            self._last_read_at = time.time()
        self._pending.put(text)

    def show_image(self, image: str | Path | bytes | np.ndarray) -> list[str]:
        """Decode a path, encoded image bytes or a BGR/grayscale array; emit and return its texts.

        Raises ``ScannerError`` when a path or bytes are not a readable image.
        """
        if isinstance(image, np.ndarray):
            frame = image
        elif isinstance(image, bytes | bytearray | memoryview):
            frame = load_image_bytes(bytes(image))
        else:
            frame = load_image_file(image)
        texts = self.decoder.decode(frame)
        for text in texts:
            self.inject(text)
        return texts

    def fail(self, detail: str = "simulated camera failure") -> None:
        """Look unplugged: status OFFLINE, reads dropped, until ``recover()``."""
        with self._lock:
            self._failure, self._since = detail, time.time()

    def recover(self) -> None:
        with self._lock:
            self._failure, self._since = None, time.time()

    def wait_delivered(self, timeout: float = 5.0) -> bool:
        """Block until every text read so far reached ``on_read``; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._delivered < len(self.reads):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._idle.wait(remaining)
        return True

    # -- worker ------------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            text = self._pending.get()
            if text is _STOP:
                return
            try:
                self._on_read(text)
            except Exception:  # the lane's problem; keep delivering like a real scanner would
                log.exception("scanner %s: on_read callback failed", self.name)
            with self._idle:
                self._delivered += 1
                self._idle.notify_all()
