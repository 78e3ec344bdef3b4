"""SimScanner: scripted reads delivered like a real scanner's."""

from __future__ import annotations

import threading

import cv2
import pytest

from hardware.errors import ScannerError
from hardware.scanner.sim import SimScanner
from hardware.status import DeviceState
from tests.hardware.scanner.helpers import pickup_code
from tests.rigs.frames import blank_frame, phone_frame


@pytest.fixture
def scanner():
    sim = SimScanner()
    yield sim
    sim.stop()


def collect():
    texts: list[str] = []
    threads: set[str] = set()

    def on_read(text: str) -> None:
        texts.append(text)
        threads.add(threading.current_thread().name)

    return on_read, texts, threads


def test_inject_delivers_in_order_from_the_scanner_thread(scanner):
    on_read, texts, threads = collect()
    scanner.start(on_read)
    for text in ["AMB1FIRST", "AMB1SECOND", "AMB1FIRST"]:
        scanner.inject(text)
    assert scanner.wait_delivered(timeout=5)
    assert texts == ["AMB1FIRST", "AMB1SECOND", "AMB1FIRST"]  # repeats are the lane's to drop
    assert threads == {"scanner-sim-scanner"}
    assert scanner.reads == texts
    status = scanner.status()
    assert status.state == DeviceState.OK and status.info["count"] == 3 and status.info["delivered"] == 3


def test_reads_before_start_wait_for_start(scanner):
    scanner.inject("AMB1EARLY")
    on_read, texts, _ = collect()
    scanner.start(on_read)
    assert scanner.wait_delivered(timeout=5)
    assert texts == ["AMB1EARLY"]


def test_show_image_decodes_path_bytes_and_arrays(scanner, tmp_path):
    on_read, texts, _ = collect()
    scanner.start(on_read)
    code = pickup_code(9)
    frame = phone_frame(code, seed=4)
    path = tmp_path / "phone.jpg"
    cv2.imwrite(str(path), frame)

    assert scanner.show_image(frame) == [code]
    assert scanner.show_image(path) == [code]
    assert scanner.show_image(str(path)) == [code]
    assert scanner.show_image(path.read_bytes()) == [code]
    assert scanner.show_image(blank_frame(seed=5)) == []
    assert scanner.wait_delivered(timeout=5)
    assert texts == [code] * 4


def test_show_image_of_a_non_image_raises(scanner, tmp_path):
    bogus = tmp_path / "bogus.png"
    bogus.write_bytes(b"\x89PNG but not really")
    with pytest.raises(ScannerError):
        scanner.show_image(bogus)
    with pytest.raises(ScannerError):
        scanner.show_image(b"not an image")
    assert scanner.reads == []


def test_failure_makes_it_offline_and_drops_reads(scanner):
    on_read, texts, _ = collect()
    scanner.start(on_read)
    scanner.fail("unplugged")
    scanner.inject("AMB1LOST")
    status = scanner.status()
    assert status.state == DeviceState.OFFLINE and status.detail == "unplugged"
    scanner.recover()
    scanner.inject("AMB1BACK")
    assert scanner.wait_delivered(timeout=5)
    assert texts == ["AMB1BACK"]
    assert scanner.status().state == DeviceState.OK


def test_failing_callback_keeps_delivering(scanner):
    seen = []

    def on_read(text):
        seen.append(text)
        if text == "AMB1BAD":
            raise RuntimeError("lane bug")

    scanner.start(on_read)
    scanner.inject("AMB1BAD")
    scanner.inject("AMB1GOOD")
    assert scanner.wait_delivered(timeout=5)
    assert seen == ["AMB1BAD", "AMB1GOOD"]


def test_stop_is_idempotent_and_restart_works(scanner):
    on_read, texts, _ = collect()
    scanner.start(on_read)
    scanner.stop()
    scanner.stop()
    scanner.inject("AMB1AFTER")
    assert not scanner.wait_delivered(timeout=0.2)
    scanner.start(on_read)
    assert scanner.wait_delivered(timeout=5)
    assert texts == ["AMB1AFTER"]
