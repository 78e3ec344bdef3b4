"""The office's tables (SQLAlchemy Core). Created only by the Alembic migrations.

Timestamps are UTC epoch seconds in a double column on SQLite and PostgreSQL alike: one
representation on both databases, easy comparison with an injected clock, no time-zone surprises.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Double,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from controller.office.db.table_base import check_in, metadata
from controller.office.db.tables_audit import AUDIT_GENESIS_HASH, audit_head, audit_log  # noqa: F401
from controller.office.db.tables_fleet import (  # noqa: F401 - the fleet's tables belong to this schema too
    ALERT_STATUSES,
    alerts,
    lane_events,
    lane_status,
    lane_sync,
)
from controller.office.db.tables_lanes import COMMAND_KINDS, lane_announcements, lane_commands  # noqa: F401

DOCUMENT_KINDS = ("print", "locker")
DOCUMENT_STATES = ("draft", "ready", "released", "cancelled", "expired", "uncertain")
PICKUP_STATES = ("ready", "claimed", "released", "revoked", "expired", "uncertain")
ROLES = ("admin", "staff", "technician", "lane", "agency")
USER_ROLES = ("admin", "staff", "technician")  # people who log in; lane and agency use API keys
DOOR_SIZES = ("S", "M", "L")
LANGUAGES = ("id", "en")


lanes = Table(
    "lanes",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("created_at", Double, nullable=False),
    Column("url", String(500), nullable=True),  # where the office reaches a remote lane (0002)
    Column("site", String(200), nullable=False, server_default=""),  # the MPP it stands at (0003)
)

locker_banks = Table(
    "locker_banks",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("lane_id", String(64), ForeignKey("lanes.id"), nullable=False),
    Column("doors", Integer, nullable=False),
    Column("created_at", Double, nullable=False),
    Column("columns", Integer, nullable=True),  # doors per row, as the lane announced it (0006)
    Column("location", String(200), nullable=False, server_default=""),  # where it stands (0006)
    CheckConstraint("doors >= 1", name="doors_positive"),
)

documents = Table(
    "documents",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    Column("title", String(300), nullable=False),
    Column("reference", String(200), nullable=True),
    Column("state", String(16), nullable=False),
    Column("pdf_sha256", String(64), nullable=True),
    Column("pages", Integer, nullable=False, default=0),
    Column("locker_bank", String(64), ForeignKey("locker_banks.id"), nullable=True),
    Column("door", Integer, nullable=True),
    Column("created_at", Double, nullable=False),
    Column("updated_at", Double, nullable=False),
    # 0002: the back office and the agency API
    Column("kind_id", Integer, ForeignKey("document_kinds.id"), nullable=True),
    Column("citizen_name", String(200), nullable=True),
    Column("citizen_phone", String(40), nullable=True, index=True),
    Column("citizen_email", String(200), nullable=True),
    Column("door_size", String(1), nullable=True),
    Column("loaded_at", Double, nullable=True),  # locker: staff confirmed the item is in the door
    Column("agency_key_id", Integer, ForeignKey("api_keys.id"), nullable=True),
    Column("agency_ref", String(200), nullable=True),
    Column("idempotency_key", String(200), nullable=True),
    # 0004: staff confirmed the door of a cancelled or expired loaded item empty (door_release.py)
    Column("retrieved_at", Double, nullable=True),
    CheckConstraint(check_in("kind", DOCUMENT_KINDS), name="kind"),
    CheckConstraint(check_in("state", DOCUMENT_STATES), name="state"),
    Index("ix_documents_locker_bank_door", "locker_bank", "door"),
    Index("uq_documents_agency_ref", "agency_key_id", "agency_ref", unique=True),
    Index("uq_documents_idempotency", "agency_key_id", "idempotency_key", unique=True),
)

pickups = Table(
    "pickups",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("document_id", Integer, ForeignKey("documents.id"), nullable=False, index=True),
    Column("code_hash", String(64), nullable=False, unique=True),
    Column("short_hmac", String(64), nullable=False, index=True),
    Column("state", String(16), nullable=False),
    Column("expires_at", Double, nullable=False),
    Column("claim_id", String(100), nullable=True, unique=True),  # the claim holding it now
    Column("lane_id", String(64), nullable=True),
    Column("created_at", Double, nullable=False),
    Column("claimed_at", Double, nullable=True),
    Column("finished_at", Double, nullable=True),
    Column("outcome", String(16), nullable=True),
    Column("detail", Text, nullable=True),
    Column("pin_hmac", String(64), nullable=True),  # second factor for sensitive kinds (0002)
    CheckConstraint(check_in("state", PICKUP_STATES), name="state"),
)

# Every claim ever granted, kept after the pickup moves on, so a report or a claim retry that
# arrives late is recognised (idempotency) instead of being mistaken for an unknown claim.
# A row without a pickup is a tombstone (0004): the lane reported the claim id abandoned before
# the office saw it, and the primary key refuses the claim if it arrives after all.
claims = Table(
    "claims",
    metadata,
    Column("claim_id", String(100), primary_key=True),
    Column("pickup_id", Integer, ForeignKey("pickups.id"), nullable=True, index=True),
    Column("lane_id", String(64), nullable=False),
    Column("claimed_at", Double, nullable=False),
    Column("finished_at", Double, nullable=True),
    Column("outcome", String(16), nullable=True),
    Column("detail", Text, nullable=True),
    Column("via", String(16), nullable=True),  # short | pin | short+pin: a typed secret (0004)
)

# One row per lane: its lockout after wrong short codes or PINs in a row (locked_until). The
# counts themselves are rows of guess_failures since 0004; ``failures`` is no longer written.
short_code_attempts = Table(
    "short_code_attempts",
    metadata,
    Column("lane_id", String(64), primary_key=True),
    Column("failures", Integer, nullable=False, default=0),
    Column("locked_until", Double, nullable=True),
    Column("updated_at", Double, nullable=False),
)

# -- 0004: every wrong short code and PIN, counted per pickup, lane and site (guessing.py) ------
guess_failures = Table(
    "guess_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", Double, nullable=False),
    Column("kind", String(8), nullable=False),  # short | pin
    Column("lane_id", String(64), nullable=False),
    Column("site", String(200), nullable=False),  # the lane's site when it happened
    Column("pickup_id", Integer, ForeignKey("pickups.id"), nullable=True, index=True),  # a PIN's pickup
    Column("in_streak", Boolean, nullable=False),  # still counts toward the lane's "in a row"
    CheckConstraint("kind IN ('short', 'pin')", name="kind"),
    Index("ix_guess_failures_lane_at", "lane_id", "at"),
    Index("ix_guess_failures_site_at", "site", "at"),
)

# One row per site, locked while one of its guesses is counted (so the site bound holds on
# PostgreSQL under concurrent lanes too).
guess_sites = Table(
    "guess_sites",
    metadata,
    Column("site", String(200), primary_key=True),
    Column("updated_at", Double, nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("lane_id", String(64), nullable=True),
    Column("label", String(200), nullable=False, default=""),
    Column("created_at", Double, nullable=False),
    Column("revoked_at", Double, nullable=True),
    Column("webhook_url", String(500), nullable=True),  # agency: told when its document is released
    Column("webhook_secret", String(64), nullable=True),  # signs those webhooks (HMAC-SHA256)
    CheckConstraint(check_in("role", ROLES), name="role"),
)

# -- 0002: people, sessions, document kinds, doors, notifications, ratings ---------------------
users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False, default=""),
    Column("password_hash", String(200), nullable=False),  # argon2id
    Column("role", String(16), nullable=False),
    Column("language", String(2), nullable=False, default="id"),
    Column("active", Boolean, nullable=False, default=True),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", Double, nullable=True),
    Column("created_at", Double, nullable=False),
    Column("updated_at", Double, nullable=False),
    CheckConstraint(check_in("role", USER_ROLES), name="role"),
    CheckConstraint(check_in("language", LANGUAGES), name="language"),
)

sessions = Table(
    "sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),  # SHA-256 of the cookie value
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", Double, nullable=False),
    Column("last_seen_at", Double, nullable=False),
    Column("expires_at", Double, nullable=False),
)

document_kinds = Table(
    "document_kinds",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("delivery", String(16), nullable=False),  # print | locker
    Column("expiry_days", Integer, nullable=False, default=14),
    Column("second_factor", Boolean, nullable=False, default=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", Double, nullable=False),
    CheckConstraint(check_in("delivery", DOCUMENT_KINDS), name="delivery"),
    CheckConstraint("expiry_days >= 1", name="expiry_positive"),
)

locker_doors = Table(
    "locker_doors",
    metadata,
    Column("bank_id", String(64), ForeignKey("locker_banks.id"), primary_key=True),
    Column("door", Integer, primary_key=True, autoincrement=False),
    Column("size", String(1), nullable=False, default="M"),
    Column("out_of_order", Boolean, nullable=False, default=False),
    Column("note", String(300), nullable=False, default=""),
    CheckConstraint(check_in("size", DOOR_SIZES), name="size"),
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("document_id", Integer, ForeignKey("documents.id"), nullable=True, index=True),
    Column("purpose", String(32), nullable=False),  # code_issued | released | alert | webhook
    Column("channel", String(16), nullable=False),  # log | email | webhook
    Column("target", String(500), nullable=False),
    Column("status", String(16), nullable=False),  # pending | sent | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text, nullable=True),
    Column("created_at", Double, nullable=False),
    Column("updated_at", Double, nullable=False),
    # 0004: the outbox (notify/outbox.py). What to send, until it is sent or finally failed:
    # ``payload`` in clear when it holds no code, ``sealed`` (encrypted) when it does.
    Column("payload", Text, nullable=True),
    Column("sealed", Text, nullable=True),
    Column("next_attempt_at", Double, nullable=True),
    Column("delivered_at", Double, nullable=True),
    Column("locked_until", Double, nullable=True),  # a worker's lease on the row while it sends
    Column("locked_by", String(64), nullable=True),
    CheckConstraint(check_in("status", ("pending", "sent", "failed")), name="status"),
    Index("ix_notifications_due", "status", "next_attempt_at"),
)

ratings = Table(
    "ratings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("lane_id", String(64), nullable=False, index=True),
    Column("claim_id", String(100), nullable=True, unique=True),
    Column("score", Integer, nullable=False),
    Column("at", Double, nullable=False),
    CheckConstraint("score BETWEEN 1 AND 5", name="score"),
)
