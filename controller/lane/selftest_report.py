"""A self-test the lane ran on its own (``ambil selftest`` on its Pi, or its local API) reported
to its office, which audits it as it audits a self-test started from the dashboard
(``Fleet.record_lane_self_test``, ``POST /api/v1/lane-selftests``).

The test has run either way: an office that cannot be reached or refuses is said in the answer
(``office_audit: "not_reported"``) and in the lane's log, never turned into a failed test.
"""

from __future__ import annotations

import logging

from controller.kernel.errors import AmbilError
from controller.lane.link.port import OfficeLink

log = logging.getLogger(__name__)

RECORDED, NOT_REPORTED = "recorded", "not_reported"


def report_to_office(office: OfficeLink, result: dict, *, actor: str, reason: str = "") -> str:
    """Send ``result`` (``SelfTests.run``'s answer) to the office; ``recorded`` or ``not_reported``.
    ``actor``: who asked on the lane; ``reason``: why a door holding an item was opened."""
    body = {
        "test": result.get("test"),
        "outcome": str(result.get("outcome") or "failed"),
        "detail": str(result.get("detail") or "")[:500],
        "bank": result.get("bank"),
        "door": result.get("door"),
        "run_by": actor[:100],
        "reason": (reason or "").strip()[:300],
    }
    try:
        office.report_self_test(body)
    except NotImplementedError:  # a link with no such call (a test double)
        return NOT_REPORTED
    except AmbilError as exc:  # unreachable, or refused: the lane's log keeps it
        log.warning("self-test %s not reported to the office: %s (%s)", body["test"], exc.key, exc)
        return NOT_REPORTED
    return RECORDED
