from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select

from controller.office.migrations import migrate
from controller.office.tables import AUDIT_GENESIS_HASH, audit_head, metadata


def test_migrated_schema_matches_tables(engine):
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []
    assert set(metadata.tables) <= set(inspect(engine).get_table_names())


def test_migrate_again_is_a_no_op_and_audit_starts_at_genesis(engine):
    migrate(engine)
    with engine.connect() as conn:
        head = conn.execute(select(audit_head)).all()
    assert [(r.id, r.seq, r.hash) for r in head] == [(1, 0, AUDIT_GENESIS_HASH)]
