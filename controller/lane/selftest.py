"""A technician's self-tests, run by the lane itself (never a driver called from the web):
print a test page, pulse one door, read the scanner, cycle the lights.

Each test returns ``{"test", "outcome": "ok" | "failed" | "not_confirmed", "detail", ...}``.
The caller (``Lane.self_test``) holds the lane's action lock, so a test never overlaps a release.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from controller.kernel.errors import AmbilError
from controller.lane.actuation import NOT_DETECTED, OPENED
from controller.lane.outputs import LIGHT
from controller.lane.staff_doors import ServiceOpener
from hardware.errors import DeviceError
from hardware.printer.interface import JobState, Printer
from hardware.scanner.interface import Scanner
from hardware.signals.interface import LaneSignals
from hardware.status import DeviceState

log = logging.getLogger(__name__)

# The self-tests a lane runs: the one list (the API, the CLI and the dashboard take it from here).
SELF_TESTS = ("print", "door", "frame", "lights")
DOOR_TEST = "door"  # the one that needs a bank and a door
JOB_PREFIX = "selftest-"
LIGHT_STEP_S = 0.6
PRINT_FOLLOW_S = 60.0


class SelfTests:
    """The self-tests of one lane, on the parts they test.

    ``opener`` runs the door test as a staff opening (same journal, same pulse); ``screen_state``
    says what the screen shows, so the lights go back to it after the lights test;
    ``test_page(lane_id, lane_name)`` draws the page the print test prints (its words are web/'s,
    ``web/pages/selftest_page.py``, handed in by the composition root).
    """

    def __init__(
        self,
        *,
        lane_id: str,
        lane_name: str,
        printer: Printer | None,
        scanner: Scanner | None,
        signals: LaneSignals | None,
        opener: ServiceOpener,
        spool_dir: Path,
        print_timeout: float,
        screen_state: Callable[[], str],
        test_page: Callable[[str, str], bytes],
    ) -> None:
        self.lane_id = lane_id
        self.lane_name = lane_name
        self.printer = printer
        self.scanner = scanner
        self.signals = signals
        self.opener = opener
        self.spool_dir = spool_dir
        self.print_timeout = print_timeout
        self.screen_state = screen_state
        self.test_page = test_page

    def run(self, test: str, *, actor: str, bank: str | None = None, door: int | None = None) -> dict:
        """Run one self-test; raises ``request.invalid`` for an unknown test."""
        if test not in SELF_TESTS:
            raise AmbilError(
                f"unknown self-test {test!r} (one of {', '.join(SELF_TESTS)})", key="request.invalid"
            )
        log.info("self-test %s on lane %s by %s", test, self.lane_id, actor)
        if test == "print":
            result = self._print_test()
        elif test == DOOR_TEST:
            result = self._door_test(bank, door, actor=actor)
        elif test == "frame":
            result = self._frame_test()
        else:
            result = self._lights_test()
        log.info("self-test %s on lane %s: %s", test, self.lane_id, result["outcome"])
        return {"test": test, "lane_id": self.lane_id, **result}

    def _print_test(self) -> dict:
        printer = self.printer
        if printer is None:
            return {"outcome": "failed", "detail": "this lane has no printer"}
        job_name = JOB_PREFIX + uuid.uuid4().hex[:12]
        path = self.spool_dir / f"{job_name}.pdf"
        path.write_bytes(self.test_page(self.lane_id, self.lane_name))
        try:
            job_id = printer.submit(path, job_name)
            deadline = time.monotonic() + min(PRINT_FOLLOW_S, self.print_timeout)
            job = printer.job(job_id)
            while not job.state.final and time.monotonic() < deadline:
                time.sleep(0.1)
                job = printer.job(job_id)
            if not job.state.final:
                printer.cancel(job_id)
                return {"outcome": "not_confirmed", "detail": f"job still {job.state} after the timeout"}
            status = printer.status()
        except DeviceError as exc:
            return {"outcome": "failed", "detail": f"printer: {exc}"}
        finally:
            path.unlink(missing_ok=True)
        # like a release: CUPS says "completed" when the data left, so the printer's reasons decide
        if job.state is JobState.COMPLETED and status.state in (DeviceState.OK, DeviceState.WARNING):
            return {"outcome": "ok", "detail": "test page printed", "reasons": status.reasons}
        return {
            "outcome": "not_confirmed" if job.state is JobState.COMPLETED else "failed",
            "detail": f"job {job.state}; printer {status.state}",
            "reasons": status.reasons,
        }

    def _door_test(self, bank: str | None, door: int | None, *, actor: str) -> dict:
        if not bank or door is None:
            raise AmbilError("the door test needs a bank and a door", key="request.invalid")
        answer = self.opener.open(bank, int(door), actor=actor, reason="selftest")
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
        read_once = getattr(scanner, "read_once", None)
        if read_once is not None:  # a camera: decode its freshest frame now
            frame = read_once()
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
            for state in ("ready", "busy", "fault", "off"):
                signals.show(state)
                shown.append(state)
                time.sleep(LIGHT_STEP_S)
        finally:
            signals.show(LIGHT.get(self.screen_state(), "busy"))  # back to what the screen says
        status = signals.status()
        ok = status.state in (DeviceState.OK, DeviceState.WARNING)
        return {"outcome": "ok" if ok else "failed", "detail": f"cycled {', '.join(shown)}", "shown": shown}
