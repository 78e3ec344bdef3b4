"""An alert is open at most once per lane and rule, enforced by the database.

Several office workers evaluate alerts at once (a heartbeat sent to two of them, two offline
timers during a takeover): a partial unique index on the open alerts makes the second insert a
no-op. Duplicates an older version left open are closed first (the oldest stays open).

Revision ID: 0007_alerts_once
Revises: 0006_lane_commands
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_alerts_once"
down_revision = "0006_lane_commands"
branch_labels = None
depends_on = None

OPEN = sa.text("status = 'open'")


def upgrade() -> None:
    op.execute(
        "UPDATE alerts SET status = 'cleared', cleared_at = raised_at "
        "WHERE status = 'open' AND id NOT IN ("
        "  SELECT min(id) FROM alerts WHERE status = 'open' GROUP BY lane_id, rule)"
    )
    op.create_index(
        "uq_alerts_open", "alerts", ["lane_id", "rule"], unique=True, sqlite_where=OPEN, postgresql_where=OPEN
    )


def downgrade() -> None:
    op.drop_index("uq_alerts_open", table_name="alerts")
