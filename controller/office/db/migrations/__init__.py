"""Alembic migrations of the office database, driven from code (no alembic.ini at runtime).

``versions/`` holds one revision per schema change. May import: alembic, sqlalchemy and
``controller.office.db.tables``.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

SCRIPT_LOCATION = Path(__file__).resolve().parent


def alembic_config(connection=None) -> Config:
    """An Alembic Config pointing at this package; ``connection`` is what env.py will use."""
    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPT_LOCATION))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the database behind ``engine`` to ``revision`` (default: the newest) in one transaction."""
    from controller.office.db.job_lock import serialise_migrations

    with engine.begin() as conn:
        serialise_migrations(conn)
        command.upgrade(alembic_config(conn), revision)
    log.info("office database migrated to %s", revision)
