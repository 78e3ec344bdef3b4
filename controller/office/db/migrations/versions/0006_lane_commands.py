"""Lanes that join with their hardware, and commands from the office to a lane (issue 13).

- ``lane_announcements``: the newest name, site and locker banks each lane announced of itself,
  for an admin to accept;
- ``locker_banks.columns`` and ``.location``: how a bank's doors are laid out and where it stands;
- ``lane_commands``: a command the office queued for a lane (open a door, a self-test, outputs
  safe), with its actor, reason, deadline, state and the lane's result.

Revision ID: 0006_lane_commands
Revises: 0005_claims
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_lane_commands"
down_revision = "0005_claims"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("locker_banks") as batch:
        batch.add_column(sa.Column("columns", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("location", sa.String(200), server_default="", nullable=False))
    op.create_table(
        "lane_announcements",
        sa.Column("lane_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("site", sa.String(200), nullable=False),
        sa.Column("banks", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("announced_at", sa.Double(), nullable=False),
        sa.Column("accepted_at", sa.Double(), nullable=True),
        sa.Column("accepted_by", sa.String(200), nullable=True),
        sa.ForeignKeyConstraint(["lane_id"], ["lanes.id"], name=op.f("fk_lane_announcements_lane_id_lanes")),
        sa.PrimaryKeyConstraint("lane_id", name=op.f("pk_lane_announcements")),
    )
    op.create_table(
        "lane_commands",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("lane_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("args", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("reason", sa.String(300), nullable=False),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.Column("deadline", sa.Double(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("taken_at", sa.Double(), nullable=True),
        sa.Column("finished_at", sa.Double(), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('open_door', 'self_test', 'safe_off')", name=op.f("ck_lane_commands_kind")
        ),
        sa.CheckConstraint(
            "state IN ('queued', 'taken', 'done', 'failed', 'expired')", name=op.f("ck_lane_commands_state")
        ),
        sa.ForeignKeyConstraint(["lane_id"], ["lanes.id"], name=op.f("fk_lane_commands_lane_id_lanes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lane_commands")),
    )
    op.create_index("ix_lane_commands_lane_state", "lane_commands", ["lane_id", "state"])


def downgrade() -> None:
    op.drop_index("ix_lane_commands_lane_state", table_name="lane_commands")
    op.drop_table("lane_commands")
    op.drop_table("lane_announcements")
    with op.batch_alter_table("locker_banks") as batch:
        batch.drop_column("location")
        batch.drop_column("columns")
