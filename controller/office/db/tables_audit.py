"""The office's audit log and its chain head (controller/office/audit.py). Re-exported by
``tables.py``."""

from __future__ import annotations

from sqlalchemy import Column, Double, Index, Integer, String, Table, Text

from controller.office.db.table_base import metadata

AUDIT_GENESIS_HASH = "0" * 64  # the prev_hash of record 1

# On PostgreSQL appended in the writer's transaction with seq, prev_hash and hash NULL; the sealer
# gives each its place in the chain right after (controller/office/audit.py, 0010). ``id`` is the
# order of arrival; ``arrived_at`` (real time, outside the hash) dates a record still unsealed.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("seq", Integer, nullable=True, unique=True),
    Column("at", Double, nullable=False),
    Column("arrived_at", Double, nullable=True),
    Column("actor", String(200), nullable=False),
    Column("action", String(100), nullable=False),
    Column("subject", String(200), nullable=False, index=True),
    Column("detail", Text, nullable=False),  # canonical JSON
    Column("prev_hash", String(64), nullable=True),
    Column("hash", String(64), nullable=True),
)

# the sealer's look-up: only the few records not sealed yet, oldest first, never a scan of the chain
Index(
    "ix_audit_log_unsealed",
    audit_log.c.id,
    postgresql_where=audit_log.c.seq.is_(None),
    sqlite_where=audit_log.c.seq.is_(None),
)

# One row (id=1): the newest sealed seq and hash. Only sealers lock it.
audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
)
