"""The frame self-test asks the scanner through its interface (``Scanner.read_once``): a camera
decodes its freshest frame, a scanner without frames (the simulator here) has none to show."""

from __future__ import annotations

from hardware.scanner.camera import CameraScanner
from tests.rigs.frames import phone_frame
from tests.rigs.mjpeg_server import MjpegServer
from tests.rigs.wait import wait_for


def test_a_camera_lane_reports_its_freshest_frame(make_system):
    code = "AMB1" + "C" * 25 + "Q"
    with MjpegServer([phone_frame(code, seed=s) for s in range(3)], fps=10) as stream:
        system = make_system(drivers={"scanner": CameraScanner(stream.url, fps_cap=5)})
        wait_for(lambda: system.lane.counters.reads >= 1, what="a frame decoded by the lane's camera")
        result = system.lane.self_test("frame", actor="tech")
    assert result["outcome"] == "ok", result
    assert result["frame"]["frame"] is True and result["frame"]["codes"] == 1
    assert result["detail"].startswith("frame 1280x720")


def test_a_scanner_without_frames_is_judged_by_its_status_alone(make_system):
    result = make_system().lane.self_test("frame", actor="tech")
    assert result["outcome"] == "ok" and "frame" not in result
