"""The cascade's time budget, its pass costs, the one-in-N blind look and the costly stage's guard."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from hardware.scanner.confirm import Confirmation
from hardware.scanner.costly_stage import CostlyStage
from hardware.scanner.decoder import QrDecoder, ReaderResult, only_when_likely
from hardware.scanner.frame_budget import FrameBudget, FrameContext, PassCosts, budget_seconds
from tests.hardware.scanner.helpers import pickup_code
from tests.rigs.frames import render_qr

FRAME = np.full((720, 1280), 200, np.uint8)  # a camera-sized frame: no finder check on it
RIGHT = "https://example.org/ambil/doc/4711"
ONE_OFF = "https://example.org/ambil/doc/4741"


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_no_later_reader_starts_once_the_frame_budget_is_spent():
    clock, calls = FakeClock(), []

    def slow_first(frame):
        clock.now += 0.030  # 30 ms: more than the 24 ms budget of a 1280x720 frame
        return ReaderResult([], undecoded=1, boxes=[(10, 10, 90, 90)])

    later = only_when_likely(lambda frame: calls.append(1) or ["X"])
    decoder = QrDecoder([slow_first, later], budget_ms=24, clock=clock)
    assert decoder.decode(FRAME) == [] and calls == []
    assert QrDecoder([slow_first, later], budget_ms=None, clock=clock).decode(FRAME) == ["X"]


def test_the_budget_scales_with_the_frame():
    assert budget_seconds(24, 1280 * 720, small_pixels=640 * 480) == pytest.approx(0.024)
    assert budget_seconds(24, 4 * 1280 * 720, small_pixels=640 * 480) == pytest.approx(0.096)
    assert budget_seconds(24, 240 * 240, small_pixels=640 * 480) == pytest.approx(0.096)  # still image
    assert budget_seconds(None, 100, small_pixels=640 * 480) is None
    with pytest.raises(ValueError):
        QrDecoder(budget_ms=0)


def test_a_pass_starts_only_when_its_recent_cost_fits_and_is_retried_later():
    clock, costs = FakeClock(), PassCosts(recent=2)
    budget = FrameBudget(clock.now + 0.020, clock, costs)
    assert budget.affords("wechat")  # never ran: no estimate yet
    with budget.spend("wechat"):
        clock.now += 0.050
    fresh = FrameBudget(clock.now + 0.020, clock, costs)
    assert costs.estimate("wechat") == pytest.approx(0.050)
    assert not fresh.affords("wechat")  # refused, and the 50 ms run is forgotten
    assert fresh.affords("wechat")


def test_costly_readers_look_at_one_frame_in_n_without_any_sign_of_a_code():
    seen = []

    class Costly:
        blind_looks = True
        wants_context = True
        __name__ = "costly"

        def __call__(self, frame, context):
            seen.append(context.blind)
            return []

    decoder = QrDecoder([lambda frame: [], only_when_likely(Costly())], idle_costly_every=5)
    for _ in range(20):
        decoder.decode(FRAME)
    assert seen == [True] * 4
    never = QrDecoder([lambda frame: [], only_when_likely(Costly())], idle_costly_every=0)
    for _ in range(20):
        never.decode(FRAME)
    assert seen == [True] * 4


class FakeCnn:
    def __init__(self, boxes):
        self.boxes = boxes
        self.detected = 0

    def detect(self, gray):
        self.detected += 1
        return [(box, 0.9) for box in self.boxes]

    def upscale(self, gray):
        return np.kron(gray, np.ones((2, 2), np.uint8))


class FakeWeChat:
    """Says it read ``answer`` at ``corners`` (a 4x2 quad) of whatever region it is given."""

    def __init__(self, answer, corners=((0, 0), (10, 0), (10, 10), (0, 10))):
        self.answer = answer
        self.corners = np.float32(corners)

    def detect(self, region):
        return list(self.answer), [self.corners]


def context(validator=None, boxes=(), blind=False) -> FrameContext:
    budget = FrameBudget(None, FakeClock(), PassCosts())
    return FrameContext(budget, Confirmation(validator), boxes=list(boxes), blind=blind)


def test_the_costly_stage_does_not_return_a_lone_misdecode():
    stage = CostlyStage(FakeCnn([(100, 100, 200, 200)]), FakeWeChat([ONE_OFF]))
    assert stage(FRAME, context(blind=True)) == []


def test_the_costly_stage_returns_a_pickup_code_the_validator_accepts():
    code = pickup_code(7)
    stage = CostlyStage(FakeCnn([(100, 100, 200, 200)]), FakeWeChat([code]))
    assert stage(FRAME, context(lambda text: text == code, blind=True)) == [code]


def test_what_wechat_reads_is_confirmed_by_reading_the_code_cut_out_along_its_corners():
    code_text = "AMBIL-TEST-4711"
    image = np.full((400, 400), 255, np.uint8)
    image[100:300, 100:300] = cv2.resize(
        cv2.cvtColor(render_qr(code_text, border=0), cv2.COLOR_BGR2GRAY),
        (200, 200),
        interpolation=cv2.INTER_AREA,
    )
    corners = ((100, 100), (300, 100), (300, 300), (100, 300))
    stage = CostlyStage(None, FakeWeChat([code_text], corners))
    assert stage(image, context()) == [code_text]  # the small image is its own region
    lying = CostlyStage(None, FakeWeChat([code_text + "X"], corners))
    # WeChat's wrong text is never returned; two readers of the cut-out agree on the real one
    assert lying(image, context()) == [code_text]


def test_the_costly_stage_uses_located_symbols_before_its_detector():
    cnn = FakeCnn([])
    stage = CostlyStage(cnn, FakeWeChat([RIGHT]))
    confirmation_context = context(boxes=[(300, 300, 420, 420)])
    confirmation_context.confirmation.offer([RIGHT], ("retry", "as-is"))  # an earlier pass agrees
    assert stage(FRAME, confirmation_context) == [RIGHT]
    assert cnn.detected == 0
