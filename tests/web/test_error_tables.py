"""One place per mapping: every domain error key has exactly one HTTP status and one text pair,
and every lane-screen state without a reason has its text (issue 12, point 6)."""

from __future__ import annotations

import pytest

from controller.kernel import errors
from controller.kernel.errors import ERROR_KEYS, AmbilError
from controller.lane.screen import LaneState, make_view
from web.errors import HTTP_STATUS, error_body, http_status
from web.i18n import both, has, t
from web.i18n.catalog import texts
from web.i18n.lane_screen import more_texts, screen_texts


def test_the_status_and_text_tables_cover_exactly_the_domain_keys():
    assert set(HTTP_STATUS) == set(ERROR_KEYS)
    error_texts = {key.removeprefix("error.") for key in texts()["id"] if key.startswith("error.")}
    assert error_texts - {"title", "not_found"} == set(ERROR_KEYS)  # the two page words of error.html
    assert all(400 <= status < 600 for status in HTTP_STATUS.values())
    pairs = [both(f"error.{key}") for key in ERROR_KEYS]
    assert all(text_id and text_en and text_id != text_en for text_id, text_en in pairs)


def test_the_domain_errors_carry_no_http_status_and_no_text():
    exc = AmbilError("detail", key="code.expired")
    assert not hasattr(exc, "message") and not hasattr(exc, "status")
    assert not hasattr(errors, "MESSAGES")
    assert http_status(exc) == 410
    body = error_body(exc)
    assert (body["error"], body["detail"]) == ("code.expired", "detail")
    assert (body["message"], body["message_en"]) == both("error.code.expired")
    assert body["message_en"].startswith("This code has expired")
    assert t("en", "error.code.expired") == body["message_en"]  # the pages read the same


@pytest.mark.parametrize("state", [s for s in LaneState if s not in (LaneState.REFUSED, LaneState.PROBLEM)])
def test_every_plain_screen_state_has_its_text(state):
    assert has(f"lane.state.{state}")
    text_id, text_en = screen_texts(make_view(state, page=2, pages=5, door=3).to_dict())
    assert text_id and text_en and "{" not in text_id + text_en


def test_a_refusal_on_the_screen_reads_the_error_text():
    view = make_view(LaneState.REFUSED, reason="code.already_released").to_dict()
    assert more_texts(view) == both("error.code.already_released")
    assert screen_texts(view) == both("lane.headline.code.already_released")
    assert "text_id" not in view  # the lane sends keys; the web adds the texts
