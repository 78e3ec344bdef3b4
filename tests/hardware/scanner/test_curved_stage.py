"""The curved-surface pass (``curved_stage``): codes on cloth that no other pass reads."""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from controller.devices import build_decoder
from hardware.scanner.confirm import Confirmation
from hardware.scanner.curved_stage import CurvedRetries
from hardware.scanner.frame_budget import FrameBudget, FrameContext, PassCosts

QRCODE_4 = Path(__file__).resolve().parents[2] / "data" / "qr-corpus" / "qrcode-4"
SHIRT = ("05", "06")  # a code printed on a wrinkled T-shirt
TEXT = (QRCODE_4 / "05.txt").read_text()


def context(*, blind: bool = False) -> FrameContext:
    context = FrameContext(FrameBudget(None, time.perf_counter, PassCosts()), Confirmation())
    context.blind = blind
    return context


def shirt(stem: str) -> np.ndarray:
    return cv2.imread(str(QRCODE_4 / f"{stem}.webp"))


@pytest.mark.parametrize("stem", SHIRT)
def test_the_pass_reads_a_code_on_a_wrinkled_shirt_that_the_rest_of_the_cascade_cannot(stem):
    assert CurvedRetries()(shirt(stem), context()) == [TEXT]
    without = build_decoder(budget_ms=None)
    without.readers = tuple(r for r in without.readers if getattr(r, "__name__", "") != "curved")
    assert without.decode(shirt(stem)) == []
    assert build_decoder(budget_ms=None).decode(shirt(stem)) == [TEXT]


def test_a_camera_frame_or_a_blind_look_never_pays_for_it():
    frame = np.full((720, 1280, 3), 200, np.uint8)
    frame[240:480, 520:760] = shirt("06")
    assert CurvedRetries()(frame, context()) == []
    assert CurvedRetries()(shirt("06"), context(blind=True)) == []


class OnePreparationReads(CurvedRetries):
    """The decoder answers on one preparation only, with a text one character off."""

    def __init__(self):
        super().__init__()
        self.calls = 0

    def _decode(self, gray):
        self.calls += 1
        return TEXT.replace("G", "C", 1) if self.calls == 1 else ""


def test_a_text_only_one_preparation_read_is_not_accepted():
    stage = OnePreparationReads()
    assert stage(shirt("06"), context()) == []
    assert stage.calls == 4  # every preparation was tried: none agreed


def test_no_pass_starts_once_the_frame_budget_is_spent():
    stage = OnePreparationReads()
    spent = FrameContext(FrameBudget(time.perf_counter() - 1, time.perf_counter, PassCosts()), Confirmation())
    assert stage(shirt("06"), spent) == [] and stage.calls == 0
