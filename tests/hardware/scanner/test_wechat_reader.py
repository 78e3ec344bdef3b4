"""The WeChat QR reader: vendored models found as package data, reads, thread safety, errors."""

from __future__ import annotations

import threading
from importlib import resources

import cv2
import numpy as np
import pytest

from hardware.errors import ScannerError
from hardware.scanner import wechat_reader
from hardware.scanner.wechat_reader import MODEL_FILES, MODEL_PACKAGE, WeChatReader
from tests.hardware.scanner.helpers import pickup_code
from tests.rigs.frames import blank_frame, phone_frame, render_qr


@pytest.fixture(scope="module")
def reader() -> WeChatReader:
    return WeChatReader()


def test_the_vendored_models_and_their_license_are_package_data():
    root = resources.files(MODEL_PACKAGE)
    for name in (*MODEL_FILES, "LICENSE", "PROVENANCE.md"):
        assert (root / name).is_file(), name
    assert "Apache License" in (root / "LICENSE").read_text()


def test_reads_a_pickup_code_on_a_phone_and_nothing_in_an_empty_lane(reader):
    code = pickup_code(3)
    gray = cv2.cvtColor(phone_frame(code, seed=5), cv2.COLOR_BGR2GRAY)
    assert reader(gray) == [code]
    assert reader(cv2.cvtColor(blank_frame(seed=5), cv2.COLOR_BGR2GRAY)) == []


def test_detect_gives_the_corners_of_the_code(reader):
    code = pickup_code(4)
    image = np.full((400, 400, 3), 255, np.uint8)
    image[100:300, 100:300] = cv2.resize(render_qr(code), (200, 200), interpolation=cv2.INTER_AREA)
    texts, corners = reader.detect(image)
    assert texts == [code]
    xs, ys = corners[0][:, 0], corners[0][:, 1]
    assert 90 <= xs.min() < xs.max() <= 310 and 90 <= ys.min() < ys.max() <= 310


def test_one_reader_shared_by_threads_reads_right_in_each(reader):
    codes = [pickup_code(10 + i) for i in range(4)]
    frames = [cv2.cvtColor(phone_frame(code, seed=i), cv2.COLOR_BGR2GRAY) for i, code in enumerate(codes)]
    results: dict[int, list[list[str]]] = {i: [] for i in range(4)}

    def work(i: int) -> None:
        for _ in range(5):
            results[i].append(reader(frames[i]))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(results[i] == [[codes[i]]] * 5 for i in range(4))


def test_without_the_contrib_module_it_says_what_to_install(monkeypatch):
    monkeypatch.setattr(wechat_reader, "wechat_available", lambda: False)
    with pytest.raises(ScannerError, match="opencv-contrib-python-headless") as caught:
        WeChatReader()
    assert caught.value.reason == "reader-unavailable"


def test_the_cnn_detector_finds_the_phone_code_and_super_resolution_doubles_a_region():
    from hardware.scanner.qr_cnn import QrCnn

    cnn = QrCnn()
    gray = cv2.cvtColor(phone_frame(pickup_code(8), seed=2, qr_px=(200, 220)), cv2.COLOR_BGR2GRAY)
    found = cnn.detect(gray)
    assert found and all(0.5 <= confidence <= 1 for _, confidence in found)
    assert cnn.detect(cv2.cvtColor(blank_frame(seed=2), cv2.COLOR_BGR2GRAY)) == []
    (x0, y0, x1, y1), _ = found[0]
    region = np.ascontiguousarray(gray[y0:y1, x0:x1])
    enlarged = cnn.upscale(region)  # the net's deconvolution gives 2n - 1 for an odd side
    assert all(
        2 * side - 1 <= out <= 2 * side for side, out in zip(region.shape, enlarged.shape, strict=True)
    )
