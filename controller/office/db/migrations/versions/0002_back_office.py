"""Back office: users and sessions, document kinds, locker doors, notifications, ratings,
citizen contact and agency references on documents, lane URLs, webhook settings, second factor.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.Double(), nullable=True),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.Column("updated_at", sa.Double(), nullable=False),
        sa.CheckConstraint("role IN ('admin', 'staff', 'technician')", name=op.f("ck_users_role")),
        sa.CheckConstraint("language IN ('id', 'en')", name=op.f("ck_users_language")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "sessions",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.Column("last_seen_at", sa.Double(), nullable=False),
        sa.Column("expires_at", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_sessions_user_id_users")),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_sessions")),
    )
    op.create_index(op.f("ix_sessions_user_id"), "sessions", ["user_id"])
    op.create_table(
        "document_kinds",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("delivery", sa.String(16), nullable=False),
        sa.Column("expiry_days", sa.Integer(), nullable=False),
        sa.Column("second_factor", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.CheckConstraint("delivery IN ('print', 'locker')", name=op.f("ck_document_kinds_delivery")),
        sa.CheckConstraint("expiry_days >= 1", name=op.f("ck_document_kinds_expiry_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_kinds")),
        sa.UniqueConstraint("name", name=op.f("uq_document_kinds_name")),
    )
    op.create_table(
        "locker_doors",
        sa.Column("bank_id", sa.String(64), nullable=False),
        sa.Column("door", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("size", sa.String(1), nullable=False),
        sa.Column("out_of_order", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(300), nullable=False),
        sa.CheckConstraint("size IN ('S', 'M', 'L')", name=op.f("ck_locker_doors_size")),
        sa.ForeignKeyConstraint(
            ["bank_id"], ["locker_banks.id"], name=op.f("fk_locker_doors_bank_id_locker_banks")
        ),
        sa.PrimaryKeyConstraint("bank_id", "door", name=op.f("pk_locker_doors")),
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("target", sa.String(500), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.Column("updated_at", sa.Double(), nullable=False),
        sa.CheckConstraint("status IN ('pending', 'sent', 'failed')", name=op.f("ck_notifications_status")),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_notifications_document_id_documents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    op.create_index(op.f("ix_notifications_document_id"), "notifications", ["document_id"])
    op.create_table(
        "ratings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("lane_id", sa.String(64), nullable=False),
        sa.Column("claim_id", sa.String(100), nullable=True),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("at", sa.Double(), nullable=False),
        sa.CheckConstraint("score BETWEEN 1 AND 5", name=op.f("ck_ratings_score")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ratings")),
        sa.UniqueConstraint("claim_id", name=op.f("uq_ratings_claim_id")),
    )
    op.create_index(op.f("ix_ratings_lane_id"), "ratings", ["lane_id"])

    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("kind_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("citizen_name", sa.String(200), nullable=True))
        batch.add_column(sa.Column("citizen_phone", sa.String(40), nullable=True))
        batch.add_column(sa.Column("citizen_email", sa.String(200), nullable=True))
        batch.add_column(sa.Column("door_size", sa.String(1), nullable=True))
        batch.add_column(sa.Column("loaded_at", sa.Double(), nullable=True))
        batch.add_column(sa.Column("agency_key_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("agency_ref", sa.String(200), nullable=True))
        batch.add_column(sa.Column("idempotency_key", sa.String(200), nullable=True))
        batch.create_foreign_key(
            op.f("fk_documents_kind_id_document_kinds"), "document_kinds", ["kind_id"], ["id"]
        )
        batch.create_foreign_key(
            op.f("fk_documents_agency_key_id_api_keys"), "api_keys", ["agency_key_id"], ["id"]
        )
        batch.create_index(op.f("ix_documents_citizen_phone"), ["citizen_phone"])
        # one document per agency reference and per idempotency key: retries never duplicate
        batch.create_index("uq_documents_agency_ref", ["agency_key_id", "agency_ref"], unique=True)
        batch.create_index("uq_documents_idempotency", ["agency_key_id", "idempotency_key"], unique=True)
    with op.batch_alter_table("pickups") as batch:
        batch.add_column(sa.Column("pin_hmac", sa.String(64), nullable=True))
    with op.batch_alter_table("lanes") as batch:
        batch.add_column(sa.Column("url", sa.String(500), nullable=True))
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("webhook_url", sa.String(500), nullable=True))
        batch.add_column(sa.Column("webhook_secret", sa.String(64), nullable=True))


def downgrade() -> None:
    for table, columns in (
        ("api_keys", ("webhook_secret", "webhook_url")),
        ("lanes", ("url",)),
        ("pickups", ("pin_hmac",)),
    ):
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.drop_column(column)
    with op.batch_alter_table("documents") as batch:
        batch.drop_index("uq_documents_idempotency")
        batch.drop_index("uq_documents_agency_ref")
        batch.drop_index(op.f("ix_documents_citizen_phone"))
        batch.drop_constraint(op.f("fk_documents_agency_key_id_api_keys"), type_="foreignkey")
        batch.drop_constraint(op.f("fk_documents_kind_id_document_kinds"), type_="foreignkey")
        for column in (
            "idempotency_key",
            "agency_ref",
            "agency_key_id",
            "loaded_at",
            "door_size",
            "citizen_email",
            "citizen_phone",
            "citizen_name",
            "kind_id",
        ):
            batch.drop_column(column)
    for table in ("ratings", "notifications", "locker_doors", "document_kinds", "sessions", "users"):
        op.drop_table(table)
