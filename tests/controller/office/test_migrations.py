from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select

from controller.office.db.migrations import migrate
from controller.office.db.tables import AUDIT_GENESIS_HASH, audit_head, metadata


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


def test_0004_asks_staff_only_about_cancelled_doors_nobody_emptied_or_reused(tmp_path):
    """Before 0004 a cancelled door was free at once. The upgrade keeps as retrieved the doors staff
    emptied (an expired item marked retrieved) or loaded again, and asks about the rest."""
    from sqlalchemy import insert

    from controller.office.db import make_engine
    from controller.office.db.tables import audit_log, documents, lanes, locker_banks, notifications

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate(engine, "0003")
    doc = {"kind": "locker", "title": "x", "pages": 0, "locker_bank": "A", "loaded_at": 1.0}
    with engine.begin() as conn:
        conn.execute(insert(lanes).values(id="l", name="l", created_at=0.0))
        conn.execute(insert(locker_banks).values(id="A", lane_id="l", doors=4, created_at=0.0))
        for doc_id, door, state in [
            (1, 1, "cancelled"),
            (2, 1, "ready"),
            (3, 2, "cancelled"),
            (4, 3, "cancelled"),
        ]:
            values = {**doc, "id": doc_id, "door": door, "state": state, "created_at": 5.0, "updated_at": 7.0}
            conn.execute(insert(documents).values(values))
        conn.execute(
            insert(audit_log).values(
                seq=1,
                at=6.0,
                actor="s",
                action="locker.item_retrieved",
                subject="document:3",
                detail="{}",
                prev_hash="0" * 64,
                hash="1" * 64,
            )
        )
        conn.execute(
            insert(notifications).values(
                purpose="code_issued",
                channel="log",
                target="-",
                status="pending",
                attempts=0,
                created_at=1.0,
                updated_at=1.0,
            )
        )
    migrate(engine)
    with engine.connect() as conn:
        retrieved = dict(conn.execute(select(documents.c.id, documents.c.retrieved_at)).all())
        (note,) = conn.execute(select(notifications.c.status, notifications.c.last_error)).all()
    engine.dispose()
    assert retrieved == {1: 7.0, 2: None, 3: 7.0, 4: None}  # door 1 reused, door 2 emptied
    assert note.status == "failed" and "lost at restart" in note.last_error


@pytest.mark.parametrize("dialect", ["sqlite", "postgres"])
def test_0008_upgrades_from_0007_with_lanes_that_already_sent_heartbeats(dialect, tmp_path, request):
    """Each lane's stored conditions start empty: its next heartbeat runs the alert rules once."""
    from sqlalchemy import insert

    from controller.office.alerts import Alerts
    from controller.office.db import make_engine
    from controller.office.db.tables import alerts, lane_status, lanes
    from controller.office.fleet import Fleet

    schema = None
    if dialect == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    else:
        from tests.rigs.postgres import PG_URL

        admin, prefix = request.getfixturevalue("pg_admin")
        schema = f"{prefix}_m0008"
        with admin.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        engine = make_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        migrate(engine, "0007_alerts_once")
        now = 1_800_000_000.0
        with engine.begin() as conn:
            conn.execute(insert(lanes).values(id="lane-1", name="Lajur 1", created_at=0.0))
            conn.exec_driver_sql(  # the 0007 table has no conditions column: plain SQL
                "INSERT INTO lane_status (lane_id, received_at, state, report, last_counters) "
                f"VALUES ('lane-1', {now}, 'ready', '{{}}', '{{}}')"
            )
        migrate(engine)
        with engine.connect() as conn:
            assert conn.execute(select(lane_status.c.conditions)).scalar() == ""
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
        assert diff == []
        fleet = Fleet(engine, Alerts(engine, clock=lambda: now + 3), clock=lambda: now + 3)
        report = {"devices": {"p": {"kind": "printer", "state": "error", "reasons": ["media-empty"]}}}
        assert fleet.record("lane-1", report) == ["printer.media_empty"]
        assert fleet.record("lane-1", report) == []
        with engine.connect() as conn:
            assert conn.execute(select(alerts.c.rule).where(alerts.c.status == "open")).scalars().all() == [
                "printer.media_empty"
            ]
    finally:
        engine.dispose()
        if schema is not None:
            with admin.begin() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_0010_keeps_the_sealed_chain_and_new_records_continue_it(backend, tmp_path, request):
    """Records written before 0010 (sealed as they were appended) keep their place; the sealer's
    records follow them, and a downgrade keeps the sealed chain."""
    from alembic import command
    from sqlalchemy import text

    from controller.office import audit
    from controller.office.db import make_engine
    from controller.office.db.migrations import alembic_config
    from tests.rigs.postgres import schema_url

    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    else:
        engine = make_engine(schema_url(request.getfixturevalue("pg_schema")))
    migrate(engine, "0009_heartbeat_digest")
    prev = AUDIT_GENESIS_HASH
    with engine.begin() as conn:  # three records as the append before 0010 wrote them
        for seq in (1, 2, 3):
            body = {"seq": seq, "at": 10.0 + seq, "actor": "s", "action": "old", "subject": "document:1"}
            digest = audit.record_hash(prev, detail={}, **body)
            conn.execute(
                text(
                    "INSERT INTO audit_log (seq, at, actor, action, subject, detail, prev_hash, hash) "
                    "VALUES (:seq, :at, :actor, :action, :subject, '{}', :prev, :hash)"
                ),
                {**body, "prev": prev, "hash": digest},
            )
            prev = digest
        conn.execute(text("UPDATE audit_head SET seq = 3, hash = :h WHERE id = 1"), {"h": prev})
    migrate(engine)
    with engine.begin() as conn:
        audit.arrive(conn, actor="s", action="new", subject="document:1")
    assert audit.seal_all(engine) == 1
    with engine.connect() as conn:
        assert audit.verify(conn) == audit.VerifyResult(ok=True, count=4)
        assert [h["action"] for h in audit.history(conn, "document:1")] == ["old"] * 3 + ["new"]
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0009_heartbeat_digest")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT seq, action FROM audit_log ORDER BY seq")).all()
    assert [tuple(r) for r in rows] == [(1, "old"), (2, "old"), (3, "old"), (4, "new")]
    engine.dispose()
