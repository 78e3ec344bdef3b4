"""The office side of ambil: documents, pickup codes, claims, locker inventory and the audit log.

The entry point is :class:`controller.office.office.Office`; the tables are created only by the
Alembic migrations in :mod:`controller.office.migrations`.
"""
