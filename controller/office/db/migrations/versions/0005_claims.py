"""Claims that cannot get stuck, and bounded guessing (DESIGN section 5).

- ``claims.pickup_id`` may be NULL: a tombstone, the ``abandoned`` report of a claim id the office
  had not seen yet; the claim id's primary key then refuses the late claim.
- ``claims.via``: whether the claim came through a typed secret (short code, PIN), so that only
  its successful release resets the lane's run of wrong entries.
- ``guess_failures``: every wrong short code and PIN (lane, site, pickup), counted in rolling
  windows; ``guess_sites``: one row per site, locked to count a site's guesses one at a time.

Revision ID: 0005_claims
Revises: 0004_doors_outbox
Create Date: 2026-12-12
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_claims"
down_revision = "0004_doors_outbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("claims") as batch:
        batch.alter_column("pickup_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("via", sa.String(16), nullable=True))
    op.create_table(
        "guess_failures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.Double(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("lane_id", sa.String(64), nullable=False),
        sa.Column("site", sa.String(200), nullable=False),
        sa.Column("pickup_id", sa.Integer(), nullable=True),
        sa.Column("in_streak", sa.Boolean(), nullable=False),
        sa.CheckConstraint("kind IN ('short', 'pin')", name=op.f("ck_guess_failures_kind")),
        sa.ForeignKeyConstraint(
            ["pickup_id"], ["pickups.id"], name=op.f("fk_guess_failures_pickup_id_pickups")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guess_failures")),
    )
    op.create_index("ix_guess_failures_lane_at", "guess_failures", ["lane_id", "at"])
    op.create_index("ix_guess_failures_site_at", "guess_failures", ["site", "at"])
    op.create_index(op.f("ix_guess_failures_pickup_id"), "guess_failures", ["pickup_id"])
    op.create_table(
        "guess_sites",
        sa.Column("site", sa.String(200), nullable=False),
        sa.Column("updated_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("site", name=op.f("pk_guess_sites")),
    )


def downgrade() -> None:
    op.drop_table("guess_sites")
    op.drop_index(op.f("ix_guess_failures_pickup_id"), table_name="guess_failures")
    op.drop_index("ix_guess_failures_site_at", table_name="guess_failures")
    op.drop_index("ix_guess_failures_lane_at", table_name="guess_failures")
    op.drop_table("guess_failures")
    op.execute("DELETE FROM claims WHERE pickup_id IS NULL")  # tombstones have no place in 0003
    with op.batch_alter_table("claims") as batch:
        batch.drop_column("via")
        batch.alter_column("pickup_id", existing_type=sa.Integer(), nullable=False)
