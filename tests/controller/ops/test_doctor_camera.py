"""``ambil doctor``'s camera check parses and opens a source the way the driver does."""

from __future__ import annotations

from pathlib import Path

from controller.ops.doctor.devices import camera_finding
from controller.ops.doctor.run import FAIL, OK

CORPUS = Path(__file__).parents[2] / "data" / "qr-corpus"


def test_an_image_file_gives_its_frame():
    photo = next(CORPUS.glob("qrcode-1/*.webp"))
    finding = camera_finding(str(photo))
    assert finding.status == OK, finding
    assert "frames" in finding.message


def test_a_stream_password_never_reaches_the_output():
    # the doctor printed the source as written; the driver's parser masks URL credentials
    finding = camera_finding("http://tech:s3cret@127.0.0.1:9/stream.mjpg")
    assert finding.status == FAIL
    assert "s3cret" not in finding.message and "***@127.0.0.1:9" in finding.message


def test_a_missing_device_is_named():
    finding = camera_finding(" /dev/video97 ")  # the driver strips blanks; so does the doctor now
    assert finding.status == FAIL
    assert finding.message == "camera /dev/video97 does not exist"
