"""The port through which the office asks a lane to act for staff (DESIGN section 3).

The office's pages depend on this protocol only. ``controller.office.lane_commands`` implements
it with a command row per action, which the lane takes (over its long-poll, or handed directly in
the all-in-one process) and runs through ``controller.lane.commands`` at most once and before its
deadline. A technician's "pulse door 3" goes through the lane, so it takes the same locks and
leaves the same journal record as a real pickup.
"""

from __future__ import annotations

from typing import Protocol


class LaneCommands(Protocol):
    """Lane actions the office can ask for, by lane id."""

    def reachable(self, lane_id: str) -> bool:
        """True when this office can reach the lane."""

    def open_door(self, lane_id: str, bank_id: str, door: int, *, actor: str, reason: str) -> dict:
        """Open one door for staff; the answer's ``outcome`` is opened | not_detected | failed.

        Raises ``lane.unreachable`` (a command that got no result before its deadline) or
        ``lane.busy``.
        """

    def self_test(self, lane_id: str, test: str, *, actor: str, **args) -> dict:
        """Run a technician's self-test on the lane."""

    def door_state(self, lane_id: str, bank_id: str, door: int) -> bool | None:
        """The door sensor: True open, False closed, None unknown (no sensor, unreadable, remote)."""
