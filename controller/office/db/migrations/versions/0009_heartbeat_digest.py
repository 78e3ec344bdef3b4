"""The digest of each lane's stored heartbeat content, so a lane may send a small keepalive in
place of an unchanged full report (issue 13 point 4; ``controller.kernel.heartbeat``).

Revision ID: 0009_heartbeat_digest
Revises: 0008_heartbeat_conditions
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_heartbeat_digest"
down_revision = "0008_heartbeat_conditions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # empty matches no digest: each lane's first keepalive is answered "send full"
    with op.batch_alter_table("lane_status") as batch:
        batch.add_column(sa.Column("digest", sa.String(64), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("lane_status") as batch:
        batch.drop_column("digest")
