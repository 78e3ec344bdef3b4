from __future__ import annotations

import pytest

from controller.office.db import make_engine, reading


def test_sqlite_file_settings(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
    assert engine.pool.size() >= 40, "readers no longer queue behind the writer: one connection per thread"
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
    # every request thread of anyio's pool (40 tokens) can hold a connection, plus the jobs'
    assert engine.pool.size() >= 40 and engine.pool.size() + engine.pool._max_overflow > 40


def test_sqlite_readers_take_no_write_lock_and_cannot_write(tmp_path):
    # a writer holds the write lock (and this process's write gate) while a reader reads: a
    # reader that began IMMEDIATE would wait for it and fail after its short busy timeout
    url = f"sqlite:///{tmp_path / 'x.db'}"
    engine = make_engine(url, connect_args={"timeout": 0.2})
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        conn.exec_driver_sql("INSERT INTO t VALUES (1)")
    with engine.begin() as writer:
        writer.exec_driver_sql("INSERT INTO t VALUES (2)")
        with reading(engine) as reader:
            assert reader.exec_driver_sql("SELECT count(*) FROM t").scalar() == 1  # the committed snapshot
            with pytest.raises(RuntimeError, match="read-only"):
                reader.exec_driver_sql("INSERT INTO t VALUES (3)")
    with reading(engine) as reader:
        assert reader.exec_driver_sql("SELECT count(*) FROM t").scalar() == 2
    engine.dispose()


def test_office_pages_read_while_a_claim_holds_the_write_lock(tmp_path, pdf):
    # the staff pages, the audit check and the dashboard's reads go through ``reading``
    from controller.office.blobs import BlobStore
    from controller.office.db.migrations import migrate
    from controller.office.office import Office
    from tests.controller.office.conftest import SHORT_KEY

    engine = make_engine(f"sqlite:///{tmp_path / 'office.db'}", connect_args={"timeout": 0.2})
    migrate(engine)
    office = Office(engine, BlobStore(tmp_path / "blobs"), SHORT_KEY)
    doc = office.create_document(kind="print", title="x", actor="staff", pdf=pdf)
    with engine.begin() as writer:
        writer.exec_driver_sql("UPDATE documents SET title = 'y'")
        assert office.get_document(doc["id"])["title"] == "x"
        assert [d["id"] for d in office.list_documents()] == [doc["id"]]
        assert office.verify_audit().ok
    engine.dispose()
