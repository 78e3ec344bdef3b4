"""Readiness: can this process serve a pickup now, and if not, why (``/readyz``).

The readiness of the whole process: the office's part (its database answers) here, the lane's
part (started, office link, devices, failed devices) in ``controller/lane/readiness.py``. An
office-only process has no lane, an all-in-one one has both. A probe that fails is reported,
never raised: readiness is a document, not a crash.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from controller.system import System


def readiness(system: System) -> dict:
    """``{ready, problems, checks}`` for ``system``."""
    problems: list[str] = []
    checks: dict = {}
    if system.office is not None:
        try:
            system.office.ping()
            checks["database"] = "ok"
        except Exception as exc:  # report, don't crash the probe
            checks["database"] = f"error: {type(exc).__name__}"
            problems.append("database unreachable")
    if system.lane is not None:
        from controller.lane.readiness import lane_readiness

        lane_problems, lane_checks = lane_readiness(system.lane)
        problems += lane_problems
        checks.update(lane_checks)
    return {"ready": not problems, "problems": problems, "checks": checks}
