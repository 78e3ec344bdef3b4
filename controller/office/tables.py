"""The office's tables (SQLAlchemy Core). Created only by the Alembic migrations.

Timestamps are UTC epoch seconds in a double column on SQLite and PostgreSQL alike: one
representation on both databases, easy comparison with an injected clock, no time-zone surprises.
"""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

# Stable constraint names, so later migrations (batch mode on SQLite) can refer to them.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

DOCUMENT_KINDS = ("print", "locker")
DOCUMENT_STATES = ("draft", "ready", "released", "cancelled", "expired", "uncertain")
PICKUP_STATES = ("ready", "claimed", "released", "revoked", "expired", "uncertain")
CLAIM_OUTCOMES = ("released", "failed", "uncertain", "abandoned")
ROLES = ("admin", "staff", "technician", "lane", "agency")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


lanes = Table(
    "lanes",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("created_at", Double, nullable=False),
)

locker_banks = Table(
    "locker_banks",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("lane_id", String(64), ForeignKey("lanes.id"), nullable=False),
    Column("doors", Integer, nullable=False),
    Column("created_at", Double, nullable=False),
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
    CheckConstraint(_in("kind", DOCUMENT_KINDS), name="kind"),
    CheckConstraint(_in("state", DOCUMENT_STATES), name="state"),
    Index("ix_documents_locker_bank_door", "locker_bank", "door"),
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
    CheckConstraint(_in("state", PICKUP_STATES), name="state"),
)

# Every claim ever granted, kept after the pickup moves on, so a report or a claim retry that
# arrives late is recognised (idempotency) instead of being mistaken for an unknown claim.
claims = Table(
    "claims",
    metadata,
    Column("claim_id", String(100), primary_key=True),
    Column("pickup_id", Integer, ForeignKey("pickups.id"), nullable=False, index=True),
    Column("lane_id", String(64), nullable=False),
    Column("claimed_at", Double, nullable=False),
    Column("finished_at", Double, nullable=True),
    Column("outcome", String(16), nullable=True),
    Column("detail", Text, nullable=True),
)

# Consecutive wrong short codes per lane (survives restarts, unlike an in-memory counter).
short_code_attempts = Table(
    "short_code_attempts",
    metadata,
    Column("lane_id", String(64), primary_key=True),
    Column("failures", Integer, nullable=False, default=0),
    Column("locked_until", Double, nullable=True),
    Column("updated_at", Double, nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", Double, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(100), nullable=False),
    Column("subject", String(200), nullable=False, index=True),
    Column("detail", Text, nullable=False),  # canonical JSON
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

# One row (id=1): the newest seq and hash. Appends lock it, which serialises them on PostgreSQL.
audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
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
    CheckConstraint(_in("role", ROLES), name="role"),
)

AUDIT_GENESIS_HASH = "0" * 64
