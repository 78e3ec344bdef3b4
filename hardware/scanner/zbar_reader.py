"""Read QR codes with ZBar through pyzbar's ctypes bindings.

``pyzbar.decode`` (0.1.9) raises ``ValueError`` on every symbol whose orientation ZBar (0.23+)
reports as unknown: the binding declares the C return type unsigned, so ``-1`` arrives as
``4294967295`` and the enum lookup fails, losing all reads of the frame. This module drives the
same public ctypes functions but never asks for the orientation, which we do not need.
"""

from __future__ import annotations

import logging
from ctypes import string_at

import numpy as np
from pyzbar import wrapper as zbar

log = logging.getLogger(__name__)

# ZBar's fourcc for 8-bit grayscale ("Y800").
_FOURCC_Y800 = 808466521


def read_qr_bytes(gray: np.ndarray) -> list[bytes]:
    """Return the raw payload of every QR code ZBar finds in an 8-bit grayscale image."""
    if gray.ndim != 2 or gray.dtype != np.uint8:
        raise ValueError("read_qr_bytes needs a 2-D uint8 (grayscale) image")
    gray = np.ascontiguousarray(gray)
    height, width = gray.shape
    scanner = zbar.zbar_image_scanner_create()
    if not scanner:
        raise RuntimeError("ZBar could not create an image scanner")
    try:
        # Disable every symbology, then enable QR only: fewer false reads, less work.
        zbar.zbar_image_scanner_set_config(scanner, 0, zbar.ZBarConfig.CFG_ENABLE, 0)
        zbar.zbar_image_scanner_set_config(scanner, zbar.ZBarSymbol.QRCODE, zbar.ZBarConfig.CFG_ENABLE, 1)
        image = zbar.zbar_image_create()
        if not image:
            raise RuntimeError("ZBar could not create an image")
        try:
            zbar.zbar_image_set_format(image, _FOURCC_Y800)
            zbar.zbar_image_set_size(image, width, height)
            data = gray.tobytes()
            # ZBar keeps a pointer to ``data``; the local keeps it alive until the scan is done.
            zbar.zbar_image_set_data(image, data, len(data), None)
            if zbar.zbar_scan_image(scanner, image) < 0:
                raise RuntimeError("ZBar failed to scan the image")
            payloads = []
            symbol = zbar.zbar_image_first_symbol(image)
            while symbol:
                payloads.append(
                    string_at(zbar.zbar_symbol_get_data(symbol), zbar.zbar_symbol_get_data_length(symbol))
                )
                symbol = zbar.zbar_symbol_next(symbol)
            return payloads
        finally:
            zbar.zbar_image_destroy(image)
    finally:
        zbar.zbar_image_scanner_destroy(scanner)
