"""A serial QR scanner: USB-CDC or RS232 scanners that type each code and a line suffix.

One worker thread opens the port with pyserial (``serial.serial_for_url``, so ``loop://`` and
``socket://`` work too), reads, frames lines (``LineFramer``) and hands every non-empty line to
``on_read``. When the port is missing or goes away (unplugged: the udev symlink such as
``/dev/ambil-scanner`` disappears) it reports OFFLINE and tries to open it again every
``reconnect_seconds``, so a scanner plugged back in reads again without a restart.
Codes are never logged: a line may be a pickup code, which is a bearer secret.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import serial

from hardware.errors import ScannerError
from hardware.scanner.interface import OnRead, Scanner
from hardware.scanner.line_framer import LineFramer
from hardware.status import DeviceState, DeviceStatus

log = logging.getLogger(__name__)

# How long one read may block: bounds how fast stop() returns.
_READ_TIMEOUT = 0.1

SerialFactory = Callable[..., Any]

_STOPPED, _CANNOT_OPEN, _DISCONNECTED, _READING = "stopped", "cannot-open", "disconnected", "reading"


class SerialScanner(Scanner):
    """Reads codes from a serial port; see the module docstring.

    ``suffix``: ``auto`` (CR, LF or CRLF), ``cr``, ``lf``, ``crlf`` or ``tab``. ``max_line``:
    longer lines without a suffix are dropped. ``serial_factory(port, baudrate=, timeout=)``
    returns an open serial port object; default ``serial.serial_for_url``.
    """

    kind = "scanner"

    def __init__(
        self,
        *,
        port: str,
        name: str = "serial-scanner",
        baudrate: int = 9600,
        suffix: str = "auto",
        reconnect_seconds: float = 1.0,
        max_line: int = 4096,
        serial_factory: SerialFactory | None = None,
    ):
        if not port:
            raise ValueError("serial scanner port is empty")
        if reconnect_seconds < 0:
            raise ValueError("reconnect_seconds must be >= 0")
        self.name = name
        self.port = port
        self.baudrate = baudrate
        self.reconnect_seconds = reconnect_seconds
        self._framer = LineFramer(suffix, max_line=max_line)  # validates suffix and max_line
        self._serial_factory = serial_factory or serial.serial_for_url

        self._on_read: OnRead | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()  # guards the fields below, read by status()
        self._phase = _STOPPED
        self._detail = "not started"
        self._since = time.time()
        self._reads = 0
        self._last_read_at: float | None = None
        self._connects = 0

    # -- Scanner interface ---------------------------------------------------------------

    def start(self, on_read: OnRead) -> None:
        if self._thread is not None and self._thread.is_alive():
            raise ScannerError(f"scanner {self.name} is already running", reason="already-started")
        self._on_read = on_read
        self._stopping.clear()
        self._set_phase(_CANNOT_OPEN, f"opening {self.port}")
        self._thread = threading.Thread(target=self._run, name=f"scanner-{self.name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=_READ_TIMEOUT + 5.0)
            if thread.is_alive():
                log.warning("scanner %s: worker did not stop in time", self.name)
        self._set_phase(_STOPPED, "stopped")

    def status(self) -> DeviceStatus:
        with self._lock:
            phase, detail, since = self._phase, self._detail, self._since
            info = {
                "port": self.port,
                "reads": self._reads,
                "last_read_at": self._last_read_at,
                "reconnects": max(0, self._connects - 1),
                "dropped_lines": self._framer.dropped,
            }
        state = DeviceState.OK if phase == _READING else DeviceState.OFFLINE
        return DeviceStatus(
            kind=self.kind,
            name=self.name,
            state=state,
            reasons=[] if state == DeviceState.OK else [phase],
            detail=detail,
            info=info,
            since=since,
        )

    # -- worker ------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            while not self._stopping.is_set():
                port = self._open()
                if port is None:
                    self._stopping.wait(self.reconnect_seconds)
                    continue
                try:
                    self._read_lines(port)
                except (serial.SerialException, OSError) as exc:
                    log.warning("scanner %s: lost %s (%s); reconnecting", self.name, self.port, exc)
                    self._set_phase(_DISCONNECTED, f"lost {self.port}: {exc}")
                    self._stopping.wait(self.reconnect_seconds)
                finally:
                    self._framer.reset()  # a code cut in half by the unplug is not a code
                    _close_quietly(port)
        except Exception:  # keep the reason visible on the dashboard instead of a silent dead thread
            log.exception("scanner %s: worker crashed", self.name)
            self._set_phase("failed", "worker crashed; see the log")

    def _open(self) -> Any | None:
        port = None
        try:
            port = self._serial_factory(self.port, baudrate=self.baudrate, timeout=_READ_TIMEOUT)
            # Drop what the scanner sent before we listened (half a code, a power-on banner).
            port.reset_input_buffer()
        except (serial.SerialException, OSError, ValueError) as exc:
            if port is not None:
                _close_quietly(port)
            if self._phase not in (_CANNOT_OPEN, _DISCONNECTED):
                log.warning("scanner %s: cannot open %s (%s)", self.name, self.port, exc)
            if self._phase != _DISCONNECTED:  # keep "disconnected" until it is back
                self._set_phase(_CANNOT_OPEN, f"cannot open {self.port}: {exc}")
            return None
        with self._lock:
            self._connects += 1
            again = self._connects > 1
        log.info("scanner %s: %s %s", self.name, "reconnected to" if again else "reading", self.port)
        self._set_phase(_READING, "")
        return port

    def _read_lines(self, port: Any) -> None:
        while not self._stopping.is_set():
            # Block for the first byte (up to the timeout), then take whatever else has arrived.
            data = port.read(1)
            waiting = port.in_waiting
            if waiting:
                data += port.read(waiting)
            if data:
                for line in self._framer.feed(data):
                    self._emit(line)

    def _emit(self, text: str) -> None:
        with self._lock:
            self._reads += 1
            self._last_read_at = time.time()
        try:
            self._on_read(text)
        except Exception:  # the lane's problem, but it must not kill the scanner
            log.exception("scanner %s: on_read callback failed", self.name)

    def _set_phase(self, phase: str, detail: str) -> None:
        with self._lock:
            if phase != self._phase:
                self._since = time.time()
            self._phase, self._detail = phase, detail


def _close_quietly(port: Any) -> None:
    try:
        port.close()
    except Exception:  # closing a port whose device is gone may fail; nothing to do about it
        log.debug("closing a lost serial port failed", exc_info=True)
