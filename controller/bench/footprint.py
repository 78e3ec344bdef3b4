"""``ambil bench footprint``: the lane process's resident memory and its time from start to ready.

A fresh child process (spawned: nothing inherited) builds an all-in-one System whose scanner is a
real ``CameraScanner`` on a looping synthetic video (lane frames, one with a pickup code), starts
it and reports: seconds from process start to the lane showing "ready", resident memory (VmRSS)
then, and resident memory after ``frames`` camera frames were decoded. Targets: ready within
3 s, under 150 MB resident.
"""

from __future__ import annotations

import multiprocessing
import tempfile
import time
from pathlib import Path

from controller.bench.figures import Target

READY_TARGET_S = 3.0
RSS_TARGET_MB = 150.0


def bench_footprint(frames: int = 10000, *, fps_cap: float = 120.0, out=print) -> dict:
    """Run the lane in a child process; print and return the figures and targets."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    with tempfile.TemporaryDirectory(prefix="ambil-footprint-") as state:
        started = time.time()
        child = context.Process(target=_lane_process, args=(state, frames, fps_cap, started, results))
        child.start()
        figures = results.get(timeout=60 + frames / fps_cap * 3)
        child.join(timeout=30)
    out(f"lane process: ready after {figures['ready_s']} s (python start included)")
    ready_mb, after_mb = figures["rss_ready_mb"], figures["rss_after_mb"]
    out(f"resident memory: {ready_mb} MB at ready, {after_mb} MB after {figures['frames']} frames")
    targets = [
        Target("time from start to ready", figures["ready_s"], READY_TARGET_S, True, " s"),
        Target("resident memory after the frames", figures["rss_after_mb"], RSS_TARGET_MB, True, " MB"),
    ]
    out("targets:")
    for target in targets:
        out("  " + target.line())
    return {**figures, "targets": [t.as_dict() for t in targets]}


def rss_mb() -> float:
    """This process's resident set size in MB (Linux /proc)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def _lane_process(state: str, frames: int, fps_cap: float, started: float, results) -> None:
    """The measured lane (runs in the child process)."""
    from controller.bench.lane_frames import blank_frame, phone_frame, write_video
    from controller.config import parse_config
    from controller.service import build_system
    from hardware.scanner.camera import CameraScanner

    video = Path(state) / "lane.avi"
    clip = [blank_frame(seed=i) for i in range(9)] + [phone_frame("AMB1BENCHFOOTPRINTAAAAAAAAAAAAA", seed=3)]
    write_video(clip, video)
    scanner = CameraScanner(str(video), fps_cap=fps_cap, loop=True)
    config = parse_config({"state_dir": state, "lane": {"printer": {"type": "sim"}, "dedupe_seconds": 3.0}})
    system = build_system(config, scanner=scanner)
    system.start()
    lane = system.lane
    while lane.screen.view.state != "ready":
        time.sleep(0.01)
    ready_s = round(time.time() - started, 2)
    rss_ready = rss_mb()
    while scanner.status().info.get("frames", 0) < frames:
        time.sleep(0.2)
    figures = {
        "ready_s": ready_s,
        "rss_ready_mb": rss_ready,
        "rss_after_mb": rss_mb(),
        "frames": scanner.status().info.get("frames", 0),
    }
    system.stop()
    results.put(figures)
