"""``ambil bench idle-camera``: how much CPU a camera lane burns while nobody is there.

The benchmark serves a looping MJPEG stream of 1280x720 lane frames without a code (a static
scene with a little sensor noise per frame, rendered here with NumPy/OpenCV) from a child
process, runs a real ``CameraScanner`` on it in this process, and measures this process's CPU
time: what the scanner costs, since the camera server runs elsewhere. The target for an idle
lane is under 25 % of one core.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import cv2
import numpy as np

from hardware.scanner.camera import CameraScanner
from hardware.status import DeviceState

log = logging.getLogger(__name__)

FRAME_SIZE = (1280, 720)
_BOUNDARY = "ambilbench"


def bench_idle_camera(
    seconds: float = 20,
    fps_cap: float = 10,
    source: str | None = None,
    *,
    camera_fps: float = 15.0,
    idle_after: float = 10.0,
) -> dict:
    """Run a CameraScanner for ``seconds`` on an empty lane; print and return the figures.

    ``source``: a camera source to measure instead (device, file, stream URL); by default a
    generated MJPEG stream at ``camera_fps``. The result holds frames grabbed, looked at,
    decoded and skipped, and the CPU use in percent of one core, overall and once idle.
    """
    if seconds <= 0:
        raise ValueError("seconds must be > 0")
    server = None
    if source is None:
        server, source = _start_camera_server(camera_fps)
    reads: list[str] = []
    scanner = CameraScanner(source, fps_cap=fps_cap, idle_after=idle_after, loop=True)
    try:
        scanner.start(reads.append)
        _wait_until(lambda: scanner.status().info["frames"] > 0, timeout=15)
        if scanner.status().state != DeviceState.OK:
            raise RuntimeError(f"camera source not readable: {scanner.status().detail}")
        samples = _measure(scanner, seconds)
    finally:
        scanner.stop()
        if server is not None:
            server.terminate()
            server.join(timeout=5)
    result = _summarise(samples, reads, fps_cap=fps_cap)
    _print(result)
    return result


def idle_camera(args) -> int:
    """CLI entry: ``args.seconds``, ``args.fps_cap``, ``args.source`` (None: generated stream)."""
    result = bench_idle_camera(
        seconds=getattr(args, "seconds", 20), fps_cap=getattr(args, "fps_cap", 10), source=args.source
    )
    return 0 if result["cpu_percent_idle"] < 25.0 else 1


# -- measuring -------------------------------------------------------------------------------


def _measure(scanner: CameraScanner, seconds: float) -> list[tuple[float, float, dict]]:
    """(wall, process CPU, status info) every half second, from now for ``seconds``."""
    samples = []
    end = time.monotonic() + seconds
    while True:
        now = time.monotonic()
        samples.append((now, time.process_time(), dict(scanner.status().info)))
        if now >= end:
            return samples
        time.sleep(min(0.5, end - now))


def _summarise(samples: list[tuple[float, float, dict]], reads: list[str], *, fps_cap: float) -> dict:
    (wall0, cpu0, first), (wall1, cpu1, last) = samples[0], samples[-1]
    idle = next((sample for sample in samples if sample[2]["idle"]), None)
    idle_percent = None
    if idle is not None and wall1 - idle[0] >= 1.0:
        idle_percent = round(100.0 * (cpu1 - idle[1]) / (wall1 - idle[0]), 1)
    duration = wall1 - wall0
    overall = round(100.0 * (cpu1 - cpu0) / duration, 1)
    return {
        "seconds": round(duration, 1),
        "fps_cap": fps_cap,
        "frames_grabbed": last["frames"] - first["frames"],
        "frames_decoded": last["scanned"] - first["scanned"],
        "frames_skipped_unchanged": last["skipped"] - first["skipped"],
        "codes_read": len(reads),
        "cpu_percent": overall,
        "cpu_percent_idle": idle_percent if idle_percent is not None else overall,
        "idle_reached_after": round(idle[0] - wall0, 1) if idle is not None else None,
    }


def _print(result: dict) -> None:
    print(f"idle camera, {result['seconds']} s at fps_cap {result['fps_cap']}:")
    print(f"  frames grabbed:  {result['frames_grabbed']}")
    skipped = result["frames_skipped_unchanged"]
    print(f"  frames decoded:  {result['frames_decoded']} (looked at but unchanged: {skipped})")
    print(f"  CPU, one core:   {result['cpu_percent']} % overall, {result['cpu_percent_idle']} % once idle")
    verdict = "ok" if result["cpu_percent_idle"] < 25.0 else "OVER"
    print(f"  target < 25 %:   {verdict}")


def _wait_until(predicate, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not predicate():
        time.sleep(0.05)


# -- the generated camera (runs in a child process) -------------------------------------------


def _start_camera_server(fps: float) -> tuple[multiprocessing.Process, str]:
    context = multiprocessing.get_context("spawn")  # no threads or OpenCV state inherited
    ports = context.Queue()
    process = context.Process(target=_serve_lane_stream, args=(fps, ports), name="bench-camera", daemon=True)
    process.start()
    port = ports.get(timeout=60)
    return process, f"http://127.0.0.1:{port}/stream"


def lane_frames(count: int = 8, *, seed: int = 0, size: tuple[int, int] = FRAME_SIZE) -> list[np.ndarray]:
    """An empty lane: one static cluttered scene, each copy with fresh sensor noise (std 3)."""
    rng = np.random.default_rng(seed)
    width, height = size
    ramp = np.linspace(50, 130, height, dtype=np.float32)[:, None, None]
    scene = np.broadcast_to(ramp, (height, width, 3)).astype(np.uint8).copy()
    for _ in range(15):  # a kerb, a barrier, signs: boxes and lines
        x1, x2 = sorted(int(v) for v in rng.integers(0, width, size=2))
        y1, y2 = sorted(int(v) for v in rng.integers(0, height, size=2))
        cv2.rectangle(scene, (x1, y1), (x2, y2), tuple(int(c) for c in rng.integers(0, 220, 3)), -1)
    for _ in range(25):
        p1 = tuple(int(v) for v in rng.integers(0, [width, height]))
        p2 = tuple(int(v) for v in rng.integers(0, [width, height]))
        cv2.line(scene, p1, p2, tuple(int(c) for c in rng.integers(0, 255, 3)), int(rng.integers(1, 6)))
    frames = []
    for _ in range(count):
        noise = rng.normal(0, 3, size=scene.shape).astype(np.float32)
        frames.append(np.clip(scene.astype(np.float32) + noise, 0, 255).astype(np.uint8))
    return frames


def _serve_lane_stream(fps: float, ports) -> None:
    jpegs = [
        cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes() for frame in lane_frames()
    ]
    closing = threading.Event()

    class Stream(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            self.send_response(200)
            self.send_header("Content-Type", f"multipart/x-mixed-replace; boundary={_BOUNDARY}")
            self.end_headers()
            index, next_at = 0, time.monotonic()
            try:
                while not closing.is_set():
                    jpeg = jpegs[index % len(jpegs)]
                    head = f"--{_BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(jpeg)}\r\n\r\n"
                    self.wfile.write(head.encode() + jpeg + b"\r\n")
                    index += 1
                    next_at += 1.0 / fps
                    time.sleep(max(0.0, next_at - time.monotonic()))
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, format: str, *args) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Stream)
    server.daemon_threads = True
    ports.put(server.server_address[1])
    server.serve_forever()
