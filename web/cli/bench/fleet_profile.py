"""``python -m web.cli.bench.fleet_profile OUT ambil-args...``: run ``ambil`` under cProfile in
every thread (the request handlers run on the threadpool, not the main thread), and at exit
write the merged statistics to ``OUT`` (pstats) and the top functions to ``OUT.txt``.

Used by ``ambil bench fleet --profile DIR`` with one office worker (uvicorn's worker processes
are started by uvicorn itself, so only a single-process office can be run this way). The
profiler counts each thread's CPU time (not its waits) and slows the office several times over:
read the shares of CPU, not the latencies.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import signal
import sys
import threading
import time

_profiles: list[cProfile.Profile] = []
_lock = threading.Lock()


def _start_in_thread(*_args) -> None:
    # threading.setprofile runs this on a new thread's first event; enable() then replaces it
    profile = cProfile.Profile(
        time.thread_time
    )  # CPU time: a thread waiting for the GIL or a lock costs none
    with _lock:
        _profiles.append(profile)
    profile.enable()


def _write(out: str) -> None:
    with _lock:
        profiles = list(_profiles)
    for profile in profiles:
        profile.disable()  # only the calling thread's hook goes; the others' counts are read as they are
    stats = pstats.Stats(profiles[0])
    for profile in profiles[1:]:
        stats.add(profile)
    stats.dump_stats(out)
    text = io.StringIO()
    shown = pstats.Stats(out, stream=text)
    shown.sort_stats("tottime").print_stats(45)
    shown.sort_stats("cumulative").print_stats(60)
    with open(f"{out}.txt", "w", encoding="utf-8") as handle:
        handle.write(text.getvalue())


def main(argv: list[str]) -> int:
    out, args = argv[0], argv[1:]
    from web.cli import main as ambil

    # uvicorn restores this handler after its graceful shutdown and raises SIGTERM again: exit
    # through ``finally`` rather than die on the default action with nothing written
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    threading.setprofile(_start_in_thread)
    _start_in_thread()
    try:
        return ambil(args) or 0
    except SystemExit as exc:
        return int(exc.code or 0)
    finally:
        threading.setprofile(None)
        _write(out)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
