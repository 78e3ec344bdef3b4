"""The office database: engines (engine.py), the schema (tables*.py) and its Alembic migrations.

May import sqlalchemy, alembic and :mod:`controller.kernel`; nothing else of the office, so every
office module can import the schema without a cycle.
"""

from .engine import dialect_insert, insert_ignore, make_engine, reading

__all__ = ["dialect_insert", "insert_ignore", "make_engine", "reading"]
