from __future__ import annotations

import cv2
import numpy as np
import pytest
import zxingcpp

from controller.kernel.codes import new_code
from controller.office.qr import qr_matrix_size, qr_png, qr_svg


def test_qr_is_version_3_29_modules():
    for _ in range(20):
        assert qr_matrix_size(new_code()) == 29


def test_png_decodes_back_to_the_code():
    code = new_code()
    png = qr_png(code, scale=4)
    assert png.startswith(b"\x89PNG")
    image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert image.shape == ((29 + 8) * 4, (29 + 8) * 4)
    results = zxingcpp.read_barcodes(image)
    assert [r.text for r in results] == [code]


def test_svg():
    svg = qr_svg(new_code())
    assert svg.startswith("<svg") and "</svg>" in svg


def test_too_long_content_is_refused():
    with pytest.raises(ValueError):
        qr_matrix_size("AMB1" + "A" * 60)
