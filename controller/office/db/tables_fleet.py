"""The office's tables for the fleet: each lane's newest heartbeat, per-minute history, technician
alerts, and what each lane's offline store holds. Re-exported by ``tables.py``."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, Double, Index, Integer, String, Table, Text, text

from controller.office.db.table_base import check_in, metadata

# -- 0003: fleet status and technician alerts ------------------------------------------------
ALERT_STATUSES = ("open", "cleared")

# The newest heartbeat of each lane (its whole report as JSON), replaced on every heartbeat.
lane_status = Table(
    "lane_status",
    metadata,
    Column("lane_id", String(64), primary_key=True),
    Column("received_at", Double, nullable=False),
    Column("state", String(32), nullable=False, default=""),  # the lane screen's state
    Column("report", Text, nullable=False),  # canonical JSON of the heartbeat
    Column("last_counters", Text, nullable=False, default="{}"),  # to turn totals into per-minute counts
    # hash of the alert conditions last seen: the rules run only when it changes (migration 0008)
    Column("conditions", String(64), nullable=False, default="", server_default=""),
    # digest of the report's content (controller.kernel.heartbeat): what a keepalive stands for (0009)
    Column("digest", String(64), nullable=False, default="", server_default=""),
    # a keepalive's moving parts (sent_at, counters, host) as JSON over ``report``; "" = none (0011)
    Column("moving", Text, nullable=False, default="", server_default=""),
)

# Per lane and minute: what happened, for the dashboard charts (pruned after 7 days).
lane_events = Table(
    "lane_events",
    metadata,
    Column("lane_id", String(64), primary_key=True),
    Column("minute", Integer, primary_key=True, autoincrement=False),  # epoch seconds // 60
    Column("scans", Integer, nullable=False, default=0),
    Column("releases", Integer, nullable=False, default=0),
    Column("failures", Integer, nullable=False, default=0),
)

# One row per raised alert: open until its condition ends (cleared); acknowledging is separate.
alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("lane_id", String(64), nullable=False, index=True),
    Column("rule", String(64), nullable=False),  # e.g. printer.media_empty, door.left_open:A:3
    Column("severity", String(16), nullable=False),  # warning | error
    Column("status", String(16), nullable=False),
    Column("detail", Text, nullable=False, default=""),
    Column("raised_at", Double, nullable=False),
    Column("cleared_at", Double, nullable=True),
    Column("acked_by", String(200), nullable=True),
    Column("acked_at", Double, nullable=True),
    CheckConstraint(check_in("status", ALERT_STATUSES), name="status"),
    Index("ix_alerts_status_lane", "status", "lane_id"),
    # 0007: open at most once per lane and rule, whichever worker raises it (alerts.evaluate)
    Index(
        "uq_alerts_open",
        "lane_id",
        "rule",
        unique=True,
        sqlite_where=text("status = 'open'"),
        postgresql_where=text("status = 'open'"),
    ),
)

# -- 0004: what each lane's offline store holds (door_release.py) ------------------------------
# The newest snapshot served to the lane, the newest one it confirmed it stored, and its grace.
lane_sync = Table(
    "lane_sync",
    metadata,
    Column("lane_id", String(64), primary_key=True),
    Column("served_at", Double, nullable=False),  # office time of the newest snapshot served
    Column("held_at", Double, nullable=True),  # office time of the newest snapshot the lane stored
    Column("grace_seconds", Double, nullable=True),  # the lane's lane.offline_grace_seconds
    Column("updated_at", Double, nullable=False),
)
