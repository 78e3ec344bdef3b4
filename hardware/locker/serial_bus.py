"""One request at a time over a serial port that may vanish: the lock boards' RS485 bus.

``SerialBus.transact`` writes a request and waits, up to ``timeout``, for the reply the caller
accepts; frames are cut out of the byte stream by a codec's parser, so this module knows no
protocol. A port that fails (an unplugged USB adapter, a pty whose other end went away) is closed
and reopened on the next request, so a udev symlink that now points at a new device just works.
"""

from __future__ import annotations

import logging
import termios
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import serial

log = logging.getLogger(__name__)

T = TypeVar("T")
READ_SLICE = 0.05  # seconds one read() may block, so a transaction ends close to its deadline
# termios.error is not an OSError: pyserial lets it through from tcflush on a dead pty or adapter
PORT_ERRORS = (serial.SerialException, OSError, termios.error)


class StreamParser(Protocol):
    """What the bus needs from a codec's frame parser (``kerong_codec.FrameParser``)."""

    def feed(self, data: bytes) -> Any: ...
    def next_frame(self) -> Any: ...
    def finish(self) -> None: ...
    def reset(self) -> None: ...


class PortDown(Exception):
    """The port could not be opened or failed; ``written`` says whether the request may be out."""

    def __init__(self, message: str, *, written: bool) -> None:
        super().__init__(message)
        self.written = written


class NoReply(Exception):
    """Nothing that looked like a frame came back within the timeout."""


class SerialBus:
    """A serial port shared by several callers, one request/reply exchange at a time.

    ``serial_factory(port, baudrate=..., timeout=...)`` opens the port (default
    ``serial.serial_for_url``: device paths, symlinks and ``loop://`` all work). ``frame_error`` is
    the exception the parser raises for a bad frame. ``counters`` counts rejected frames and
    reconnects; ``port_error`` is the last port failure, None while the port works.
    """

    def __init__(
        self,
        *,
        name: str,
        port: str,
        parser: StreamParser,
        frame_error: type[Exception],
        baudrate: int = 9600,
        timeout: float = 0.3,
        serial_factory: Callable[..., serial.SerialBase] | None = None,
    ) -> None:
        self.name = name
        self.port = port
        self.baudrate = baudrate
        self.timeout = timeout
        self.counters = {"frame_errors": 0, "reconnects": 0}
        self.port_error: str | None = None
        self._parser = parser
        self._frame_error = frame_error
        self._open_port = serial_factory or serial.serial_for_url
        self._serial: serial.SerialBase | None = None
        self._lock = threading.Lock()
        self._closed = False

    def transact(self, request: bytes, match: Callable[[Any], T | None]) -> T:
        """Write ``request`` and return ``match(frame)`` for the first reply it accepts (not None).

        Frames it does not accept (late replies to earlier requests) are skipped. Raises
        ``PortDown``, ``NoReply`` (silence), or the codec's frame error when only bad frames came.
        """
        with self._lock:
            port = self._ensure_port()
            self._parser.reset()
            try:
                port.reset_input_buffer()  # a late reply to an earlier request must not answer this one
            except PORT_ERRORS as exc:
                self._drop_port(exc)
                raise PortDown(f"port {self.port} failed: {exc}", written=False) from exc
            try:
                port.write(request)
                port.flush()
            except PORT_ERRORS as exc:
                self._drop_port(exc)
                raise PortDown(f"port {self.port} failed while writing: {exc}", written=True) from exc
            return self._read_reply(port, match)

    def _read_reply(self, port: serial.SerialBase, match: Callable[[Any], T | None]) -> T:
        deadline = time.monotonic() + self.timeout
        bad: Exception | None = None
        while time.monotonic() < deadline:
            try:
                chunk = port.read(max(1, port.in_waiting))
            except PORT_ERRORS as exc:
                self._drop_port(exc)
                raise PortDown(f"port {self.port} failed while reading: {exc}", written=True) from exc
            if not chunk:
                continue
            self._parser.feed(chunk)
            while True:
                try:
                    frame = self._parser.next_frame()
                except self._frame_error as exc:
                    bad = self._rejected(exc)
                    continue
                if frame is None:
                    break
                result = match(frame)
                if result is not None:
                    return result
                log.debug("bus %s: skipped a frame that answers something else", self.name)
        try:
            self._parser.finish()
        except self._frame_error as exc:
            bad = self._rejected(exc)
        if bad is not None:
            raise bad
        raise NoReply(f"no reply within {self.timeout:.2f} s")

    def _rejected(self, exc: Exception) -> Exception:
        self.counters["frame_errors"] += 1
        log.warning("bus %s: rejected a frame: %s", self.name, exc)
        return exc

    def close(self) -> None:
        """Close the port (after any exchange in progress); later requests raise ``PortDown``."""
        with self._lock:
            self._closed = True
            self._drop_port(None)

    def _ensure_port(self) -> serial.SerialBase:
        """The open port, (re)opened if needed; called with the lock held."""
        if self._closed:
            raise PortDown("bus closed", written=False)
        if self._serial is not None:
            return self._serial
        try:
            self._serial = self._open_port(
                self.port, baudrate=self.baudrate, timeout=min(READ_SLICE, self.timeout)
            )
        except PORT_ERRORS as exc:
            if self.port_error is None:
                log.warning("bus %s: cannot open %s: %s", self.name, self.port, exc)
            self.port_error = str(exc)
            raise PortDown(f"cannot open port {self.port}: {exc}", written=False) from exc
        if self.port_error is not None:
            self.counters["reconnects"] += 1
            log.info("bus %s: port %s open again", self.name, self.port)
        self.port_error = None
        return self._serial

    def _drop_port(self, exc: BaseException | None) -> None:
        """Close the port after a failure (``exc``) or on close; the next request reopens it."""
        if exc is not None:
            log.warning("bus %s: port %s failed, will reopen: %s", self.name, self.port, exc)
            self.port_error = str(exc)
        port, self._serial = self._serial, None
        if port is not None:
            try:
                port.close()
            except PORT_ERRORS as close_exc:
                log.debug("bus %s: closing a failed port: %s", self.name, close_exc)
