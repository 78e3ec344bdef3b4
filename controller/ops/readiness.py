"""Readiness: can this process serve a pickup now, and if not, why (``/readyz``).

The readiness of the whole process (office + lane + devices), which is why it lives in ops/ and
not in lane/ (DESIGN section 3 lists it under the lane): an office-only process has no lane, an
all-in-one one has both. The lane supplies its own facts (started, office link, device states,
failed devices); the rules that turn them into a verdict are written here once.

The rules: the office's database answers; the lane has started, reaches the office and has a
release device it can use. Each device's state is listed. A probe that fails is reported, never
raised: readiness is a document, not a crash.
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
    lane = system.lane
    if lane is not None:
        checks["lane"] = lane.screen.view.state
        checks["office_link"] = "ok" if lane.office_online else "offline"
        if not lane.ready.is_set():
            problems.append("lane not started")
        if not lane.office_online:
            problems.append("office unreachable from the lane")
        for name, status in lane.devices.items():
            checks[name] = str(status.state)
        # devices whose driver did not start: named with the why, while the rest serves
        failed = lane.failed_devices()
        if failed:
            checks["failed"] = failed
        if lane.screen.view.state == "out_of_service":
            problems.append("no release device usable")
    return {"ready": not problems, "problems": problems, "checks": checks}
