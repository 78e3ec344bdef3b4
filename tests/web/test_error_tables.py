"""One place per mapping: every domain error key has exactly one HTTP status and one text pair,
and every lane-screen state without a reason has its text (issue 12, point 6)."""

from __future__ import annotations

import pytest

from controller.kernel import errors
from controller.kernel.errors import ERROR_KEYS, AmbilError
from controller.lane.screen import LaneState, make_view
from web.errors import HTTP_STATUS, error_body, http_status
from web.i18n import t
from web.i18n.errors import ERROR_TEXTS
from web.i18n.lane_screen import STATE_TEXT, screen_texts


def test_the_status_and_text_tables_cover_exactly_the_domain_keys():
    assert set(HTTP_STATUS) == set(ERROR_KEYS)
    assert set(ERROR_TEXTS) == set(ERROR_KEYS)
    assert all(400 <= status < 600 for status in HTTP_STATUS.values())
    assert all(text_id and text_en and text_id != text_en for text_id, text_en in ERROR_TEXTS.values())


def test_the_domain_errors_carry_no_http_status_and_no_text():
    exc = AmbilError("detail", key="code.expired")
    assert not hasattr(exc, "message") and not hasattr(exc, "status")
    assert not hasattr(errors, "MESSAGES")
    assert http_status(exc) == 410
    body = error_body(exc)
    assert (body["error"], body["detail"]) == ("code.expired", "detail")
    assert (body["message"], body["message_en"]) == ERROR_TEXTS["code.expired"]
    assert t("en", "error.code.expired") == ERROR_TEXTS["code.expired"][1]  # the pages read the same


@pytest.mark.parametrize("state", [s for s in LaneState if s not in (LaneState.REFUSED, LaneState.PROBLEM)])
def test_every_plain_screen_state_has_its_text(state):
    assert str(state) in STATE_TEXT
    text_id, text_en = screen_texts(make_view(state, page=2, pages=5, door=3).to_dict())
    assert text_id and text_en and "{" not in text_id + text_en


def test_a_refusal_on_the_screen_reads_the_error_text():
    view = make_view(LaneState.REFUSED, reason="code.already_released").to_dict()
    assert screen_texts(view) == ERROR_TEXTS["code.already_released"]
    assert "text_id" not in view  # the lane sends keys; the web adds the texts
