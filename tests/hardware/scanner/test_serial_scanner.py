"""SerialScanner against a real pty pair (a USB-CDC scanner stand-in) and pyserial's loop://."""

from __future__ import annotations

import logging
import threading
import time

import pytest
import serial

from hardware.scanner.line_framer import LineFramer
from hardware.scanner.serial_scanner import SerialScanner
from hardware.status import DeviceState
from tests.hardware.scanner.helpers import pickup_code
from tests.rigs.pty_pair import PtyPair
from tests.rigs.wait import wait_for

CODES = [pickup_code(seed) for seed in range(6)]
SENTINEL = pickup_code(99)


class Reads:
    """An on_read callback that records texts and the thread they arrived on."""

    def __init__(self):
        self.texts: list[str] = []
        self.threads: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, text: str) -> None:
        with self._lock:
            self.texts.append(text)
            self.threads.add(threading.current_thread().name)

    def before_sentinel(self, pty: PtyPair, suffix: bytes = b"\r\n") -> list[str]:
        """Everything read before a sentinel code written now.

        One thread reads the port in order, so once the sentinel is read nothing written before
        it can still come: this replaces "sleep, then check that nothing more came".
        """
        pty.write(SENTINEL.encode() + suffix)
        wait_for(lambda: SENTINEL in self.texts, what=lambda: f"the sentinel (read so far: {self.texts})")
        with self._lock:
            texts = list(self.texts)
        assert texts[-1] == SENTINEL, texts  # nothing after it, and it came whole
        return texts[:-1]


class CountingOpens:
    """A serial_factory that counts the driver's attempts to open the port."""

    def __init__(self):
        self.attempts = 0

    def __call__(self, port, **options):
        self.attempts += 1
        return serial.serial_for_url(port, **options)


@pytest.fixture
def pty(tmp_path):
    with PtyPair(tmp_path) as pair:
        yield pair


@pytest.fixture
def scanners():
    made: list[SerialScanner] = []

    def make(**options) -> SerialScanner:
        options.setdefault("reconnect_seconds", 0.05)
        scanner = SerialScanner(**options)
        made.append(scanner)
        return scanner

    yield make
    for scanner in made:
        scanner.stop()


def started(make, pty: PtyPair, **options) -> tuple[SerialScanner, Reads]:
    reads = Reads()
    scanner = make(port=pty.path, **options)
    scanner.start(reads)
    wait_for(
        lambda: scanner.status().state == DeviceState.OK, what=lambda: f"scanner OK (now {scanner.status()})"
    )
    return scanner, reads


def test_cr_lf_and_crlf_suffixes_read_each_code_exactly_once(scanners, pty):
    scanner, reads = started(scanners, pty)
    pty.write(CODES[0].encode() + b"\r")
    pty.write(CODES[1].encode() + b"\n")
    pty.write(CODES[2].encode() + b"\r\n")
    pty.write(CODES[3].encode() + b"\r\n" + CODES[4].encode() + b"\r\n")  # two in one burst
    assert reads.before_sentinel(pty) == CODES[:5]  # no extra (empty) read from a CRLF
    status = scanner.status()
    assert status.info["reads"] == 6 and status.info["last_read_at"] is not None  # with the sentinel
    assert status.info["port"] == pty.path
    assert reads.threads == {"scanner-serial-scanner"}


def test_crlf_split_between_writes_is_still_one_read(scanners, pty):
    _, reads = started(scanners, pty)
    pty.write(CODES[0].encode() + b"\r")
    wait_for(lambda: reads.texts == [CODES[0]])  # read and emitted: the LF comes in a later read
    pty.write(b"\n" + CODES[1].encode() + b"\r\n")
    assert reads.before_sentinel(pty) == CODES[:2]


def test_split_write_reads_as_one_code(scanners, pty):
    _, reads = started(scanners, pty)
    code = CODES[5].encode()
    pty.write(code[:13])
    # Longer than the driver's read timeout, so the halves arrive in separate reads. A busy
    # machine may read both halves at once: the test then proves less, but cannot fail for it.
    time.sleep(0.35)
    assert reads.texts == []
    pty.write(code[13:] + b"\r\n")
    wait_for(lambda: reads.texts == [CODES[5]])


def test_explicit_tab_suffix_and_whitespace_stripped(scanners, pty):
    _, reads = started(scanners, pty, suffix="tab")
    pty.write(b"  " + CODES[0].encode() + b" \t\t" + CODES[1].encode() + b"\t")
    assert reads.before_sentinel(pty, b"\t") == CODES[:2]


def test_unplug_goes_offline_and_replug_resumes_without_restart(scanners, pty):
    opens = CountingOpens()
    scanner, reads = started(scanners, pty, serial_factory=opens)
    pty.write(CODES[0].encode() + b"\r")
    wait_for(lambda: reads.texts == [CODES[0]])

    pty.write(CODES[1].encode()[:10])  # half a code, then the cable is pulled
    # Lets the driver read the half code before the unplug; a busy machine may not, and then
    # the test proves less about the framer's reset, but cannot fail for it.
    time.sleep(0.2)
    pty.unplug()
    wait_for(lambda: scanner.status().state == DeviceState.OFFLINE)
    status = scanner.status()
    assert status.reasons == ["disconnected"] and pty.path in status.detail
    tried = opens.attempts
    wait_for(lambda: opens.attempts >= tried + 3, what="three reconnect attempts against a missing port")
    assert scanner.status().state == DeviceState.OFFLINE

    pty.replug()
    wait_for(lambda: scanner.status().state == DeviceState.OK)
    pty.write(CODES[2].encode() + b"\r\n")
    # the half code before the unplug is not a read
    assert reads.before_sentinel(pty) == [CODES[0], CODES[2]]
    assert scanner.status().info["reconnects"] == 1


def test_missing_port_is_offline_until_it_appears(scanners, tmp_path):
    pair = PtyPair(tmp_path)
    pair.unplug()
    try:
        reads = Reads()
        scanner = scanners(port=pair.path)
        scanner.start(reads)
        wait_for(lambda: scanner.status().reasons == ["cannot-open"])
        assert scanner.status().state == DeviceState.OFFLINE
        pair.replug()
        wait_for(lambda: scanner.status().state == DeviceState.OK)
        pair.write(CODES[3].encode() + b"\n")
        wait_for(lambda: reads.texts == [CODES[3]])
        assert scanner.status().info["reconnects"] == 0
    finally:
        pair.close()


def test_overlong_line_is_dropped_without_logging_its_content(scanners, pty, caplog):
    caplog.set_level(logging.DEBUG)
    _, reads = started(scanners, pty, max_line=64)
    secret = "AMB1" + "X" * 200
    pty.write(secret.encode())
    # Lets the driver read the long part on its own; read together with the rest, the line is
    # just as long, so a busy machine cannot make this fail.
    time.sleep(0.2)
    pty.write(b"YYYY\r\n" + CODES[4].encode() + b"\r\n")
    assert reads.before_sentinel(pty) == [CODES[4]]  # neither the long line nor its tail
    assert "AMB1" not in caplog.text and "dropped a line" in caplog.text


def test_failing_callback_does_not_stop_the_scanner(scanners, pty):
    calls = []

    def on_read(text):
        calls.append(text)
        raise RuntimeError("lane bug")

    scanner = scanners(port=pty.path)
    scanner.start(on_read)
    wait_for(lambda: scanner.status().state == DeviceState.OK)
    pty.write(CODES[0].encode() + b"\r" + CODES[1].encode() + b"\r")
    wait_for(lambda: calls == CODES[:2])
    assert scanner.status().state == DeviceState.OK


def test_status_before_start_and_after_stop(scanners, pty):
    scanner = scanners(port=pty.path)
    assert scanner.status().state == DeviceState.OFFLINE and scanner.status().reasons == ["stopped"]
    scanner.start(Reads())
    wait_for(lambda: scanner.status().state == DeviceState.OK)
    began = time.monotonic()
    scanner.stop()
    scanner.stop()  # twice is fine
    assert time.monotonic() - began < 2.0
    assert scanner.status().reasons == ["stopped"]


def test_serial_factory_and_loop_url():
    """A custom factory gets the port and options; loop:// echoes what we write."""
    opened = []

    def factory(port, **options):
        opened.append((port, options))
        return serial.serial_for_url("loop://", **options)

    reads = Reads()
    scanner = SerialScanner(port="loop://", serial_factory=factory, baudrate=115200)
    try:
        scanner.start(reads)
        wait_for(lambda: scanner.status().state == DeviceState.OK)
        assert opened[0][0] == "loop://" and opened[0][1]["baudrate"] == 115200
    finally:
        scanner.stop()


def test_bad_options_are_rejected():
    with pytest.raises(ValueError):
        SerialScanner(port="/dev/ttyACM0", suffix="semicolon")
    with pytest.raises(ValueError):
        SerialScanner(port="")
    with pytest.raises(ValueError):
        LineFramer("auto", max_line=0)


@pytest.mark.parametrize(
    ("suffix", "stream", "expected"),
    [
        ("auto", [b"A\r", b"\nB\n", b"C\r\n\r\n"], ["A", "B", "C"]),
        ("cr", [b"A\r\nB\r"], ["A", "B"]),  # LF is whitespace to a CR scanner
        ("lf", [b"A\rB\n"], ["A\rB"]),  # a CR inside the line is kept (only the ends are stripped)
        ("crlf", [b"A\rB\r", b"\n"], ["A\rB"]),
        ("tab", [b"A\tB", b"\t"], ["A", "B"]),
    ],
)
def test_line_framer_suffixes(suffix, stream, expected):
    framer = LineFramer(suffix)
    lines = []
    for chunk in stream:
        lines += framer.feed(chunk)
    assert lines == expected
