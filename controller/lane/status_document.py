"""The lane's status document (what the lane API, the heartbeat and the metrics read), and its
liveness (what the watchdog reads).

One dict, built from the parts' own state (the screen, the polled devices, the intake's counters,
the journal, the door watches and, on a lane that syncs, the trusted clock and offline store).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from controller.lane.intake import LaneCounters
from controller.lane.screen import LaneView


@dataclass(frozen=True)
class Liveness:
    """What the systemd watchdog reads of the lane (``controller.ops.watchdog``)."""

    lane_id: str
    last_loop_at: Callable[[], float]  # monotonic time of the worker's last turn
    screen_state: Callable[[], str]
    busy_limit: float  # how long one release may hold the worker


def lane_status(
    *,
    lane_id: str,
    name: str,
    view: LaneView,
    office_online: bool,
    devices: dict[str, dict],
    counters: LaneCounters,
    unreported: int,
    doors: dict,
    sync=None,
) -> dict:
    """``sync`` is the lane's ``SyncWorker`` (None: this lane keeps no offline store)."""
    status = {
        "lane_id": lane_id,
        "name": name,
        "view": view.to_dict(),
        "office_online": office_online,
        "devices": devices,
        "counters": {
            "reads": counters.reads,
            "repeats": counters.repeats,
            "malformed": counters.malformed,
            "outcomes": dict(counters.outcomes),
        },
        "unreported": unreported,
        "doors": doors,
    }
    if sync is not None:  # ``clock: {synchronised, skew_s}`` and the offline store
        status["clock"] = sync.store.clock.status()
        status["offline"] = sync.status()
    return status
