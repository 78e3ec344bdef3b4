"""Alembic environment: runs only on the connection handed over by ``migrate(engine)``."""

from __future__ import annotations

from alembic import context

from controller.office.db.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through controller.office.db.migrations.migrate(engine)")

# render_as_batch: SQLite cannot ALTER most things; batch mode rebuilds the table instead.
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
