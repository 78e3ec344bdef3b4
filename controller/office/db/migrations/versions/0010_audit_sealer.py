"""The audit log is appended without locking the chain's head and sealed right after.

Until 0009 every append locked ``audit_head`` until its transaction committed, so on PostgreSQL
every claim, report and staff action waited for the one before it. Now a record arrives with no
place in the chain (``seq``, ``prev_hash`` and ``hash`` NULL) and one sealer gives it the next
``seq`` and its hash. ``id`` is the order of arrival; existing records keep ``id = seq``.

Revision ID: 0010_audit_sealer
Revises: 0009_heartbeat_digest
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_audit_sealer"
down_revision = "0009_heartbeat_digest"
branch_labels = None
depends_on = None

COLUMNS = "seq, at, actor, action, subject, detail, prev_hash, hash"


def _table(name: str, *, sealed_later: bool) -> None:
    columns = [sa.Column("id", sa.Integer(), autoincrement=True, nullable=False)] if sealed_later else []
    arrived = [sa.Column("arrived_at", sa.Double(), nullable=True)] if sealed_later else []
    op.create_table(
        name,
        *columns,
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=sealed_later),
        sa.Column("at", sa.Double(), nullable=False),
        *arrived,
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=100), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=sealed_later),
        sa.Column("hash", sa.String(length=64), nullable=sealed_later),
        sa.PrimaryKeyConstraint("id" if sealed_later else "seq", name="pk_audit_log"),
        *([sa.UniqueConstraint("seq", name="uq_audit_log_seq")] if sealed_later else []),
    )


def _swap(sealed_later: bool, copy: str) -> None:
    # a new table rather than ALTERs: SQLite cannot change a primary key in place, and one path for
    # both databases is one path to test
    op.drop_index("ix_audit_log_subject", table_name="audit_log")
    if not sealed_later:
        op.drop_index("ix_audit_log_unsealed", table_name="audit_log")
    op.rename_table("audit_log", "audit_log_old")
    if op.get_bind().dialect.name == "postgresql":  # the old table's constraint names are taken
        op.execute("ALTER TABLE audit_log_old RENAME CONSTRAINT pk_audit_log TO pk_audit_log_old")
        if not sealed_later:
            op.execute("ALTER TABLE audit_log_old RENAME CONSTRAINT uq_audit_log_seq TO uq_audit_log_seq_old")
    _table("audit_log", sealed_later=sealed_later)
    op.execute(copy)
    op.drop_table("audit_log_old")
    op.create_index("ix_audit_log_subject", "audit_log", ["subject"], unique=False)
    if sealed_later:  # the sealer's look-up of the few unsealed records
        unsealed = sa.text("seq IS NULL")
        op.create_index(
            "ix_audit_log_unsealed", "audit_log", ["id"], postgresql_where=unsealed, sqlite_where=unsealed
        )


def upgrade() -> None:
    # every existing record is sealed; it keeps its place (id = seq) and arrived when it happened
    _swap(
        True,
        f"INSERT INTO audit_log (id, arrived_at, {COLUMNS}) SELECT seq, at, {COLUMNS} FROM audit_log_old",
    )
    if op.get_bind().dialect.name == "postgresql":  # new records continue after the copied ids
        op.execute(
            "SELECT setval(pg_get_serial_sequence('audit_log', 'id'), "
            "(SELECT coalesce(max(id), 0) + 1 FROM audit_log), false)"
        )


def downgrade() -> None:
    # records not yet sealed have no place in the old chain: seal them (start ambil) before this
    _swap(
        False, f"INSERT INTO audit_log ({COLUMNS}) SELECT {COLUMNS} FROM audit_log_old WHERE seq IS NOT NULL"
    )
