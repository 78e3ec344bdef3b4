"""Doors freed by people (documents.retrieved_at, lane_sync) and the notifications outbox.

Revision ID: 0004_doors_outbox
Revises: 0003
Create Date: 2027-01-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_doors_outbox"
down_revision = "0003"
branch_labels = None
depends_on = None

OUTBOX_COLUMNS = ("payload", "sealed", "next_attempt_at", "delivered_at", "locked_until", "locked_by")


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("retrieved_at", sa.Double(), nullable=True))
    # Before this revision a cancelled door was free at once. Where staff already took the item
    # out (an expired item marked retrieved) or loaded the door again, record it as retrieved;
    # every other cancelled loaded door now asks staff to check it.
    op.execute(
        """
        UPDATE documents SET retrieved_at = updated_at
        WHERE state = 'cancelled' AND loaded_at IS NOT NULL AND (
            EXISTS (SELECT 1 FROM documents later
                    WHERE later.locker_bank = documents.locker_bank AND later.door = documents.door
                      AND later.id > documents.id)
            OR EXISTS (SELECT 1 FROM audit_log a
                       WHERE a.subject = 'document:' || documents.id
                         AND a.action = 'locker.item_retrieved'))
        """
    )
    op.create_table(
        "lane_sync",
        sa.Column("lane_id", sa.String(64), nullable=False),
        sa.Column("served_at", sa.Double(), nullable=False),
        sa.Column("held_at", sa.Double(), nullable=True),
        sa.Column("grace_seconds", sa.Double(), nullable=True),
        sa.Column("updated_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("lane_id", name=op.f("pk_lane_sync")),
    )
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("payload", sa.Text(), nullable=True))
        batch.add_column(sa.Column("sealed", sa.Text(), nullable=True))
        batch.add_column(sa.Column("next_attempt_at", sa.Double(), nullable=True))
        batch.add_column(sa.Column("delivered_at", sa.Double(), nullable=True))
        batch.add_column(sa.Column("locked_until", sa.Double(), nullable=True))
        batch.add_column(sa.Column("locked_by", sa.String(64), nullable=True))
        batch.create_index("ix_notifications_due", ["status", "next_attempt_at"])
    # rows left pending by the in-memory queue had their payload in that memory only
    op.execute(
        "UPDATE notifications SET status = 'failed', "
        "last_error = 'lost at restart (before the outbox): reissue the code to notify again' "
        "WHERE status = 'pending'"
    )


def downgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.drop_index("ix_notifications_due")
        for column in OUTBOX_COLUMNS:
            batch.drop_column(column)
    op.drop_table("lane_sync")
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("retrieved_at")
