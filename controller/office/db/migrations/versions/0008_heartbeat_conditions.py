"""A lane's last alert conditions on its status row, so a heartbeat runs the alert rules only
when a condition changed (issue 13 point 4): a hash of the rule keys and details it showed.

Revision ID: 0008_heartbeat_conditions
Revises: 0007_alerts_once
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_heartbeat_conditions"
down_revision = "0007_alerts_once"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # empty matches no hash: each lane's next heartbeat evaluates its alerts once
    with op.batch_alter_table("lane_status") as batch:
        batch.add_column(sa.Column("conditions", sa.String(64), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("lane_status") as batch:
        batch.drop_column("conditions")
