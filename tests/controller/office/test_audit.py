from __future__ import annotations

from sqlalchemy import delete, select, update

from controller.office import audit
from controller.office.db.tables import audit_head, audit_log


def _fill(engine, n: int = 6) -> None:
    with engine.begin() as conn:
        for i in range(n):
            audit.append(
                conn, actor="staff:ani", action=f"test.{i}", subject=f"document:{i % 2}", detail={"i": i}
            )
    audit.seal_all(engine)  # PostgreSQL: what the office's sealer does right after the commit


def _verify(engine) -> audit.VerifyResult:
    with engine.connect() as conn:
        return audit.verify(conn)


def _row(conn, seq: int) -> dict:
    """A sealed record's columns, without its arrival id (a re-inserted copy gets a new one)."""
    row = dict(conn.execute(select(audit_log).where(audit_log.c.seq == seq)).one()._mapping)
    del row["id"]
    return row


def test_intact_chain_and_history(engine):
    _fill(engine)
    assert _verify(engine) == audit.VerifyResult(ok=True, count=6)
    with engine.connect() as conn:
        records = audit.history(conn, "document:1")
    assert [r["seq"] for r in records] == [2, 4, 6]
    assert records[0]["detail"] == {"i": 1} and records[0]["actor"] == "staff:ani"


def test_detects_modified_record(engine):
    _fill(engine)
    with engine.begin() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == 3).values(actor="staff:budi"))
    result = _verify(engine)
    assert (result.ok, result.first_bad_seq) == (False, 3)
    assert "modified" in result.problem


def test_detects_modified_detail(engine):
    _fill(engine)
    with engine.begin() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == 5).values(detail='{"i":50}'))
    assert _verify(engine).first_bad_seq == 5


def test_detects_deleted_record(engine):
    _fill(engine)
    with engine.begin() as conn:
        conn.execute(delete(audit_log).where(audit_log.c.seq == 4))
    result = _verify(engine)
    assert (result.ok, result.first_bad_seq) == (False, 4)
    assert "missing" in result.problem


def test_detects_deleted_last_record(engine):
    _fill(engine)
    with engine.begin() as conn:
        conn.execute(delete(audit_log).where(audit_log.c.seq == 6))
    assert _verify(engine).first_bad_seq == 6


def test_detects_renumbered_deletion(engine):
    _fill(engine)
    with engine.begin() as conn:
        conn.execute(delete(audit_log).where(audit_log.c.seq == 4))
        for seq in (5, 6):
            conn.execute(update(audit_log).where(audit_log.c.seq == seq).values(seq=seq - 1))
    result = _verify(engine)
    assert (result.ok, result.first_bad_seq) == (False, 4)


def test_detects_inserted_record(engine):
    # A forger who knows the algorithm inserts a well-formed record after seq 3 and renumbers.
    _fill(engine)
    with engine.begin() as conn:
        for seq in (6, 5, 4):
            conn.execute(update(audit_log).where(audit_log.c.seq == seq).values(seq=seq + 1))
        prev = _row(conn, 3)["hash"]
        fields = {"seq": 4, "at": 1.0, "actor": "x", "action": "forged", "subject": "s", "detail": {}}
        conn.execute(
            audit_log.insert().values(
                **{**fields, "detail": "{}"}, prev_hash=prev, hash=audit.record_hash(prev, **fields)
            )
        )
    result = _verify(engine)
    assert (result.ok, result.first_bad_seq) == (False, 5)  # record 5 no longer links to 4
    assert "does not link" in result.problem


def test_detects_naively_inserted_record(engine):
    _fill(engine)
    with engine.begin() as conn:
        row = _row(conn, 2)
        conn.execute(audit_log.insert().values(**{**row, "seq": 7, "action": "forged"}))
    result = _verify(engine)
    assert (result.ok, result.first_bad_seq) == (False, 7)


def test_detects_reordered_records(engine):
    _fill(engine)
    with engine.begin() as conn:
        a, b = _row(conn, 3), _row(conn, 4)
        conn.execute(delete(audit_log).where(audit_log.c.seq.in_([3, 4])))
        conn.execute(audit_log.insert().values(**{**b, "seq": 3}))
        conn.execute(audit_log.insert().values(**{**a, "seq": 4}))
    result = _verify(engine)
    assert (result.ok, result.first_bad_seq) == (False, 3)


def test_detects_truncated_head(engine):
    _fill(engine)
    with engine.begin() as conn:
        conn.execute(update(audit_head).values(seq=9))
    assert _verify(engine).first_bad_seq == 7


def test_office_actions_keep_chain_valid(office, pdf):
    doc = office.create_document(kind="print", title="x", actor="staff", pdf=pdf)
    office.mark_ready(doc["id"], "staff")
    office.reissue(doc["id"], "staff")
    office.cancel(doc["id"], "staff")
    audit.seal_all(office.engine)
    result = office.verify_audit()
    assert result.ok and result.count >= 7


def test_a_documents_history_shows_records_not_sealed_yet(office, pdf):
    # no sealer runs here: on PostgreSQL every record is still unsealed, yet committed and shown
    doc = office.create_document(kind="print", title="x", actor="staff", pdf=pdf)
    office.mark_ready(doc["id"], "staff")
    office.cancel(doc["id"], "staff")
    history = office.get_document(doc["id"])["history"]
    assert [h["action"] for h in history][-1] == "document.cancelled"
    assert len(history) >= 3
    unsealed = [h["seq"] is None for h in history]
    assert all(unsealed) if office.engine.dialect.name == "postgresql" else not any(unsealed)
    audit.seal_all(office.engine)
    assert [h["action"] for h in office.get_document(doc["id"])["history"]] == [h["action"] for h in history]
