"""The self-test names are written once (controller/lane/selftest.py); the API, the CLI and the
dashboard take them from there instead of keeping their own copies."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from controller.lane import selftest
from web.api.heartbeats import SelfTest
from web.cli import build_parser


def test_the_cli_offers_exactly_the_lanes_tests():
    parser = build_parser()
    for name in selftest.SELF_TESTS:
        assert parser.parse_args(["selftest", name]).test == name
    with pytest.raises(SystemExit):
        parser.parse_args(["selftest", "lamps"])


def test_the_lane_api_accepts_exactly_the_lanes_tests():
    for name in selftest.SELF_TESTS:
        assert SelfTest(test=name).test == name
    with pytest.raises(ValidationError):
        SelfTest(test="lamps")


def test_no_other_copy_of_the_names_is_left():
    from pathlib import Path

    root = Path(selftest.__file__).parents[2]
    copies = [
        path
        for path in [*root.glob("web/**/*.py"), *root.glob("web/templates/**/*.html")]
        if "'print', 'frame', 'lights'" in path.read_text() or '"frame", "lights"' in path.read_text()
    ]
    assert copies == []
