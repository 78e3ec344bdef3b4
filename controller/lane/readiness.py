"""The lane's part of readiness: can this lane serve a pickup now, and if not, why.

The rules: the lane has started, reaches the office and has a release device it can use; each
device's state is listed, and the devices whose driver did not start are named with the why.
``controller/ops/readiness.py`` adds the office's part for the whole process (``/readyz``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from controller.lane.lane import Lane


def lane_readiness(lane: Lane) -> tuple[list[str], dict]:
    """``(problems, checks)`` of ``lane``: no problem means it can serve a pickup."""
    problems: list[str] = []
    checks: dict = {
        "lane": lane.screen.view.state,
        "office_link": "ok" if lane.office_online else "offline",
    }
    if not lane.ready.is_set():
        problems.append("lane not started")
    if not lane.office_online:
        problems.append("office unreachable from the lane")
    for name, status in lane.devices.items():
        checks[name] = str(status.state)
    failed = lane.failed_devices()  # named with the why, while the rest serves
    if failed:
        checks["failed"] = failed
    if lane.screen.view.state == "out_of_service":
        problems.append("no release device usable")
    return problems, checks
