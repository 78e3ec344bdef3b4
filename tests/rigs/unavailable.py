"""A rig that cannot start: skip the test here, fail it in CI (DESIGN.md section 9).

Outside CI a missing program, a cupsd that will not start or a machine without ptys skips the test
with its reason. With ``CI=true`` (``.ci/run``) every rig must start, so the same call fails.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def rig_unavailable(reason: str) -> NoReturn:
    """Skip outside CI, fail in CI: `.ci/run` must be able to start every rig."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"rig unavailable in CI: {reason}")
    pytest.skip(reason)
