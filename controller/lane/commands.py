"""The lane side of the office's lane commands (``controller.kernel.lane_commands.LaneCommands``).

How the office asks a lane to act for staff (open a door to load it, read a door sensor).

``InProcessLaneControl`` serves the all-in-one deployment, where the office holds its lane's
object. A lane it does not hold lives on another Pi: reaching it over HTTP comes later, so asking
for one raises ``lane.unreachable`` rather than pretending.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from controller.kernel.errors import AmbilError

if TYPE_CHECKING:
    from controller.lane.lane import Lane

log = logging.getLogger(__name__)


class InProcessLaneControl:
    """Lane actions for the lanes running in this process, by lane id (a ``LaneCommands``)."""

    def __init__(self, lanes: dict[str, Lane]):
        self.lanes = lanes

    def _lane(self, lane_id: str) -> Lane:
        lane = self.lanes.get(lane_id)
        if lane is None:
            raise AmbilError(f"lane {lane_id!r} is not reachable from this office", key="lane.unreachable")
        return lane

    def reachable(self, lane_id: str) -> bool:
        return lane_id in self.lanes

    def open_door(self, lane_id: str, bank_id: str, door: int, *, actor: str, reason: str) -> dict:
        """Have the lane open one door (same protocol as a release); returns its answer.

        The answer's ``outcome`` is ``opened``, ``not_detected`` or ``failed`` (see
        ``controller.lane.staff_doors``). Raises ``lane.unreachable`` or ``lane.busy``.
        """
        return self._lane(lane_id).service_open(bank_id, door, actor=actor, reason=reason)

    def self_test(self, lane_id: str, test: str, *, actor: str, **args) -> dict:
        """Have the lane run a technician's self-test (print | door | frame | lights)."""
        return self._lane(lane_id).self_test(test, actor=actor, **args)

    def door_state(self, lane_id: str, bank_id: str, door: int) -> bool | None:
        """The door sensor: True open, False closed, None unknown (no sensor, unreadable, remote)."""
        lane = self.lanes.get(lane_id)
        if lane is None:
            return None
        return lane.read_door(bank_id, door)
