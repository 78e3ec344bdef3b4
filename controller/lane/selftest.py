"""A technician's self-tests, run by the lane itself (never a driver called from the web):
print a test page, pulse one door, read the scanner, cycle the lights.

Each test returns ``{"test", "outcome": "ok" | "failed" | "not_confirmed", "detail", ...}``; the
print test adds ``reason``, the lane-screen message key a release would have shown.
The caller (``Lane.self_test``) holds the lane's action lock, so a test never overlaps a release.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable

from controller.kernel.errors import AmbilError
from controller.kernel.outcomes import FAILED, RELEASED, UNCERTAIN
from controller.lane.actuation import NOT_DETECTED, OPENED, PrintActuator
from controller.lane.outputs import light_for
from controller.lane.print_outcome import fault_message
from controller.lane.screen import LaneView
from controller.lane.staff_doors import ServiceOpener
from hardware.errors import DeviceError
from hardware.scanner.interface import Scanner
from hardware.signals.interface import LIGHT_STATES, LaneSignals
from hardware.status import DeviceState

log = logging.getLogger(__name__)

# The self-tests a lane runs: the one list (the API, the CLI and the dashboard take it from here).
SELF_TESTS = ("print", "door", "frame", "lights")
DOOR_TEST = "door"  # the one that needs a bank and a door
JOB_PREFIX = "selftest-"
LIGHT_STEP_S = 0.6
PRINT_FOLLOW_S = 60.0
# a print's outcome as a self-test verdict: the same judgement a release makes
VERDICTS = {RELEASED: "ok", FAILED: "failed", UNCERTAIN: "not_confirmed"}


class SelfTests:
    """The self-tests of one lane, on the parts they test.

    ``opener`` runs the door test as a staff opening (same journal, same pulse); ``prints`` is the
    lane's one print follow-up (``controller.lane.actuation``), so a test page is judged as a
    release's print is; ``screen_view`` says what the screen shows, so the lights go back to it
    after the lights test; ``test_page(lane_id, lane_name)`` draws the page the print test prints
    (its words are web/'s, ``web/pages/selftest_page.py``, handed in by the composition root).
    """

    def __init__(
        self,
        *,
        lane_id: str,
        lane_name: str,
        prints: PrintActuator,
        scanner: Scanner | None,
        signals: LaneSignals | None,
        opener: ServiceOpener,
        screen_view: Callable[[], LaneView],
        test_page: Callable[[str, str], bytes],
    ) -> None:
        self.lane_id = lane_id
        self.lane_name = lane_name
        self.prints = prints
        self.scanner = scanner
        self.signals = signals
        self.opener = opener
        self.screen_view = screen_view
        self.test_page = test_page

    def run(
        self, test: str, *, actor: str, bank: str | None = None, door: int | None = None, reason: str = ""
    ) -> dict:
        """Run one self-test; raises ``request.invalid`` for an unknown test. ``reason``: why a
        door test opens a door holding an item (kept in the opening's journal record)."""
        if test not in SELF_TESTS:
            raise AmbilError(
                f"unknown self-test {test!r} (one of {', '.join(SELF_TESTS)})", key="request.invalid"
            )
        log.info("self-test %s on lane %s by %s", test, self.lane_id, actor)
        if test == "print":
            result = self._print_test()
        elif test == DOOR_TEST:
            result = self._door_test(bank, door, actor=actor, reason=reason)
        elif test == "frame":
            result = self._frame_test()
        else:
            result = self._lights_test()
        log.info("self-test %s on lane %s: %s", test, self.lane_id, result["outcome"])
        return {"test": test, "lane_id": self.lane_id, **result}

    def _print_test(self) -> dict:
        """A test page through the lane's one print follow-up, judged as a release is judged."""
        prints = self.prints
        if not prints.available:
            return {"outcome": "failed", "reason": "device.failed", "detail": "this lane has no printer"}
        try:
            blocked = prints.blocked()
        except DeviceError as exc:
            return {"outcome": "failed", "reason": "print.offline", "detail": f"printer: {exc}"}
        if blocked:  # a release would refuse here too, before submitting anything
            return {
                "outcome": "failed",
                "reason": fault_message(blocked),
                "detail": f"printer not ready: {','.join(blocked)}",
            }
        job_name = JOB_PREFIX + uuid.uuid4().hex[:12]
        spool = prints.spool(job_name, self.test_page(self.lane_id, self.lane_name))
        result = prints.print(spool, job_name, timeout=min(PRINT_FOLLOW_S, prints.settings.print_timeout))
        detail = "test page printed" if result.outcome == RELEASED else result.detail
        return {"outcome": VERDICTS[result.outcome], "reason": result.reason, "detail": detail}

    def _door_test(self, bank: str | None, door: int | None, *, actor: str, reason: str = "") -> dict:
        if not bank or door is None:
            raise AmbilError("the door test needs a bank and a door", key="request.invalid")
        why = f"selftest: {reason}" if reason else "selftest"
        answer = self.opener.open(bank, int(door), actor=actor, reason=why)
        outcome = {OPENED: "ok", NOT_DETECTED: "not_confirmed"}.get(answer["outcome"], "failed")
        return {"outcome": outcome, "detail": answer["detail"], "bank": bank, "door": int(door)}

    def _frame_test(self) -> dict:
        scanner = self.scanner
        if scanner is None:
            return {"outcome": "failed", "detail": "this lane has no scanner"}
        try:
            status = scanner.status()
        except Exception as exc:  # noqa: BLE001 - a driver bug is a failed test, not a crash
            return {"outcome": "failed", "detail": str(exc)}
        ok = status.state in (DeviceState.OK, DeviceState.WARNING)
        result = {
            "outcome": "ok" if ok else "failed",
            "detail": status.detail or str(status.state),
            "scanner": status.to_dict(),
        }
        frame = scanner.read_once()
        if frame is not None:  # a camera: its freshest frame, decoded now
            result["frame"] = frame
            if not frame.get("frame"):
                result.update(outcome="failed", detail=frame.get("detail", "no frame"))
            else:
                result["detail"] = (
                    f"frame {frame['width']}x{frame['height']}, {frame['age_s']} s old, "
                    f"{frame['codes']} code(s) in view, decoded in {frame['decode_ms']} ms"
                )
        return result

    def _lights_test(self) -> dict:
        signals = self.signals
        if signals is None:
            return {"outcome": "failed", "detail": "this lane has no lights"}
        shown = []
        try:
            for state in LIGHT_STATES:  # every pattern a driver may see, then dark
                signals.show(state)
                shown.append(state)
                time.sleep(LIGHT_STEP_S)
        finally:
            signals.show(light_for(self.screen_view()))  # back to what the screen says
        status = signals.status()
        ok = status.state in (DeviceState.OK, DeviceState.WARNING)
        return {"outcome": "ok" if ok else "failed", "detail": f"cycled {', '.join(shown)}", "shown": shown}
