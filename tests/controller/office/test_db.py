from __future__ import annotations

from controller.office.db import make_engine


def test_sqlite_file_settings(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
    engine.dispose()


def test_sqlite_transactions_take_the_write_lock_at_begin(tmp_path):
    # With BEGIN IMMEDIATE a second writer cannot even begin while the first is open.
    first = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    second = make_engine(f"sqlite:///{tmp_path / 'x.db'}", connect_args={"timeout": 0.1})
    with first.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    with first.begin() as conn:
        conn.exec_driver_sql("SELECT 1")
        try:
            with second.begin() as other:
                other.exec_driver_sql("SELECT 1")
            locked = False
        except Exception as exc:  # noqa: BLE001
            locked = "locked" in str(exc)
    assert locked
    first.dispose()
    second.dispose()


def test_postgres_url_uses_psycopg():
    engine = make_engine("postgresql://u@127.0.0.1:1/db")
    assert engine.url.drivername == "postgresql+psycopg"
    assert engine.pool._pre_ping
