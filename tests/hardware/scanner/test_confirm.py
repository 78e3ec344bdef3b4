"""The misdecode guard: a retry's text counts only when two passes agree or it is a pickup code."""

from __future__ import annotations

import numpy as np
import pytest

from hardware.scanner.confirm import Confirmation
from hardware.scanner.decoder import QrDecoder, ReaderResult, RegionRetries
from hardware.scanner.frame_retries import retry_reads
from tests.hardware.scanner.helpers import pickup_code

RIGHT = "https://example.org/ambil/doc/4711"
ONE_OFF = "https://example.org/ambil/doc/4741"  # the right text with one character changed


def scripted_reader(name: str, answers: list[list[str]]):
    """A reader that returns ``answers`` one call after the other (then nothing)."""
    calls = iter(answers)

    def read(_frame: np.ndarray) -> list[str]:
        return next(calls, [])

    read.__name__ = name
    return read


def test_one_pass_alone_is_not_enough():
    confirmation = Confirmation()
    assert confirmation.offer([ONE_OFF], ("sharpened", "zxing")) == []
    assert confirmation.unconfirmed == 1


def test_the_same_pass_twice_is_not_a_second_opinion():
    confirmation = Confirmation()
    assert confirmation.offer([RIGHT], ("as-is", "zxing")) == []
    assert confirmation.offer([RIGHT], ("as-is", "zxing")) == []


def test_two_different_passes_that_agree_confirm():
    confirmation = Confirmation()
    assert confirmation.offer([RIGHT], ("as-is", "zxing")) == []
    assert confirmation.offer([RIGHT], ("sharpened", "zbar")) == [RIGHT]


def test_a_pickup_code_is_confirmed_by_the_validator_alone():
    code = pickup_code(1)
    confirmation = Confirmation(lambda text: text.startswith("AMB1") and len(text) == 30)
    assert confirmation.offer([code], ("stretched", "zbar")) == [code]
    assert confirmation.offer([ONE_OFF], ("stretched", "zbar")) == []


def test_a_broken_validator_falls_back_to_agreement():
    def broken(_text: str) -> bool:
        raise RuntimeError("boom")

    confirmation = Confirmation(broken)
    assert confirmation.offer([RIGHT], "a") == []
    assert confirmation.offer([RIGHT], "b") == [RIGHT]


def test_retries_skip_a_one_character_misdecode_and_return_the_agreed_text():
    gray = np.full((200, 200), 255, np.uint8)
    # the first pass misreads one character, the next two read the code right
    reader = scripted_reader("zxing", [[ONE_OFF], [RIGHT], [RIGHT]])
    assert retry_reads([gray], [reader]) == [RIGHT]


def test_retries_return_nothing_when_only_a_misdecode_was_read():
    gray = np.full((200, 200), 255, np.uint8)
    reader = scripted_reader("zxing", [[ONE_OFF]])
    assert retry_reads([gray], [reader]) == []


def test_retries_stop_at_the_deadline():
    gray = np.full((200, 200), 255, np.uint8)
    calls = []

    def reader(frame):
        calls.append(1)
        return [RIGHT]

    clock = iter([0.0, 2.0, 3.0, 4.0]).__next__
    assert retry_reads([gray], [reader], deadline=1.0, clock=clock) == []
    assert len(calls) == 1


@pytest.mark.parametrize("validator", [None, lambda text: text.startswith("AMB1")])
def test_the_decoder_never_returns_a_retrys_unconfirmed_misdecode(validator):
    """Issue 14's wrong read: zxing-cpp located the symbol but read nothing, one retry read it
    with a character changed, and that text was returned."""
    located = ReaderResult([], undecoded=1, boxes=[(40, 40, 160, 160)])
    retries = RegionRetries()
    retries.readers = (scripted_reader("zbar", [[ONE_OFF]]),)
    decoder = QrDecoder([lambda frame: located, retries], validator=validator)
    assert decoder.decode(np.full((200, 200), 255, np.uint8)) == []
