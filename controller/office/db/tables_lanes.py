"""The office's tables for lanes on their own Pis: what each lane announced of itself (its name and
locker banks, for an admin to accept) and the commands the office queues for a lane (the lane takes
them over its long-poll). Re-exported by ``tables.py``."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, Double, ForeignKey, Index, Integer, String, Table, Text

from controller.office.db.table_base import check_in, metadata

# -- 0006: lanes that join with their hardware, commands from the office ----------------------
COMMAND_KINDS = ("open_door", "self_test", "safe_off")
COMMAND_STATES = ("queued", "taken", "done", "failed", "expired")

# The newest announcement of each lane (name, site, banks as JSON); ``accepted_at`` is set when an
# admin applied it, and cleared again when the lane announces something different.
lane_announcements = Table(
    "lane_announcements",
    metadata,
    Column("lane_id", String(64), ForeignKey("lanes.id"), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("site", String(200), nullable=False, default=""),
    Column("banks", Text, nullable=False),  # canonical JSON list of {id, doors, columns, where, ...}
    Column("digest", String(64), nullable=False),  # SHA-256 of the canonical announcement
    Column("announced_at", Double, nullable=False),
    Column("accepted_at", Double, nullable=True),
    Column("accepted_by", String(200), nullable=True),
)

# One row per command: queued by the office, taken by the lane (at most once), then done or
# failed with the lane's result, or expired when its deadline passed before a result came.
lane_commands = Table(
    "lane_commands",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("lane_id", String(64), ForeignKey("lanes.id"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("args", Text, nullable=False, default="{}"),
    Column("actor", String(200), nullable=False),
    Column("reason", String(300), nullable=False, default=""),
    Column("created_at", Double, nullable=False),
    Column("deadline", Double, nullable=False),  # office time: never run after it
    Column("state", String(16), nullable=False),
    Column("taken_at", Double, nullable=True),
    Column("finished_at", Double, nullable=True),
    Column("result", Text, nullable=True),  # the lane's answer as JSON
    CheckConstraint(check_in("kind", COMMAND_KINDS), name="kind"),
    CheckConstraint(check_in("state", COMMAND_STATES), name="state"),
    Index("ix_lane_commands_lane_state", "lane_id", "state"),
)
