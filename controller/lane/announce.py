"""What a lane tells the office about itself when it joins: its name, site and locker banks (ids,
door counts, sizes, doors per row, where they stand), all from its config. Sent on every start by
the command worker (``controller.lane.commands.CommandPoller``); the office keeps it for an admin
to accept (``controller.office.lane_join``)."""

from __future__ import annotations

from controller.config import LaneConfig


def announcement(lane: LaneConfig) -> dict:
    """The announcement body of ``lane``'s config (``POST /api/v1/lane-announcements``)."""
    banks = []
    for bank in lane.lockers:
        where = " / ".join(part for part in (bank.where, bank.where_en) if part)
        banks.append(
            {
                "id": bank.id,
                "doors": bank.doors,
                "columns": bank.columns,
                "location": where,
                "sizes": list(bank.sizes),
            }
        )
    return {"name": lane.name, "site": lane.site, "banks": banks}
