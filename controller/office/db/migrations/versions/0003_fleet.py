"""Fleet: the site of each lane, the newest heartbeat per lane, per-minute lane events, alerts.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("lanes") as batch:
        batch.add_column(sa.Column("site", sa.String(200), nullable=False, server_default=""))
    op.create_table(
        "lane_status",
        sa.Column("lane_id", sa.String(64), nullable=False),
        sa.Column("received_at", sa.Double(), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("report", sa.Text(), nullable=False),
        sa.Column("last_counters", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("lane_id", name=op.f("pk_lane_status")),
    )
    op.create_table(
        "lane_events",
        sa.Column("lane_id", sa.String(64), nullable=False),
        sa.Column("minute", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("scans", sa.Integer(), nullable=False),
        sa.Column("releases", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("lane_id", "minute", name=op.f("pk_lane_events")),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("lane_id", sa.String(64), nullable=False),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("raised_at", sa.Double(), nullable=False),
        sa.Column("cleared_at", sa.Double(), nullable=True),
        sa.Column("acked_by", sa.String(200), nullable=True),
        sa.Column("acked_at", sa.Double(), nullable=True),
        sa.CheckConstraint("status IN ('open', 'cleared')", name=op.f("ck_alerts_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
    )
    op.create_index(op.f("ix_alerts_lane_id"), "alerts", ["lane_id"])
    op.create_index("ix_alerts_status_lane", "alerts", ["status", "lane_id"])


def downgrade() -> None:
    op.drop_index("ix_alerts_status_lane", table_name="alerts")
    op.drop_index(op.f("ix_alerts_lane_id"), table_name="alerts")
    for table in ("alerts", "lane_events", "lane_status"):
        op.drop_table(table)
    with op.batch_alter_table("lanes") as batch:
        batch.drop_column("site")
