"""A keepalive stores only what moves (``sent_at``, counters, host health) beside the full
report it stands for, instead of re-writing the whole report on every beat (issue 13 point 4).

Revision ID: 0011_heartbeat_moving
Revises: 0010_audit_sealer
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_heartbeat_moving"
down_revision = "0010_audit_sealer"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # empty: the stored report is whole (as every row before this revision)
    with op.batch_alter_table("lane_status") as batch:
        batch.add_column(sa.Column("moving", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("lane_status") as batch:
        batch.drop_column("moving")
