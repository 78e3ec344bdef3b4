"""The notifications outbox (DESIGN 5, defect 10): a message is a database row until delivered,
survives a restart, is sent once even by two workers on one database, and a payload holding a
pickup code is stored only sealed, and deleted once delivered (SQLite and PostgreSQL)."""

from __future__ import annotations

import itertools
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from controller.config import NotifyConfig, parse_config
from controller.office.db.tables import notifications
from controller.office.notify import KEY_LOST, Notifications, verify_signature
from tests.conftest import make_pdf
from tests.rigs.postgres import PG_URL
from tests.rigs.server import wait_for
from tests.rigs.webhook_receiver import WebhookReceiver
from web.app import build_system
from web.i18n.messages import CatalogTexts

PHONE = "+62 812-3456-7890"
PDF = make_pdf(1)
_schemas = itertools.count(1)


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request):
    """None (SQLite in the state dir) or a PostgreSQL URL on a fresh schema."""
    if request.param == "sqlite":
        yield None
        return
    admin, prefix = request.getfixturevalue("pg_admin")
    schema = f"{prefix}_outbox_{next(_schemas)}"
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')


def office_config(state_dir: Path, database_url: str | None, webhook_url: str):
    office = {"database_url": database_url} if database_url else {}
    return parse_config(
        {
            "role": "office",
            "state_dir": str(state_dir),
            "office": office,
            "notify": {
                "channel": "webhook",
                "webhook_url": webhook_url,
                "retry_seconds": 0.05,
                "max_attempts": 100,
            },
        }
    )


def rows(engine) -> list:
    with engine.connect() as conn:
        return conn.execute(select(notifications).order_by(notifications.c.id)).all()


def database_bytes(state_dir: Path) -> bytes:
    return b"".join(path.read_bytes() for path in sorted(state_dir.glob("office.db*")))


def ready_for(system, title: str = "Akta Kelahiran") -> tuple[int, str]:
    office = system.office
    doc = office.create_document(kind="print", title=title, pdf=PDF, actor="staff", citizen_phone=PHONE)
    return doc["id"], office.mark_ready(doc["id"], "staff").code


def test_a_pending_code_message_is_delivered_after_a_restart_exactly_once(tmp_path, database_url):
    """Defect 10: pending notifications were marked failed ("lost at restart") when the process
    stopped; now the row waits in the database and the next process sends it."""
    state = tmp_path / "state"
    with WebhookReceiver(status=503) as gateway:  # the SMS gateway is down
        config = office_config(state, database_url, gateway.url)
        first = build_system(config)
        first.start()
        doc_id, code = ready_for(first)
        row_id = first.notifications.code_issued(doc_id, code)
        gateway.wait(2)
        first.stop()
        (row,) = rows(first.engine)
        assert (row.id, row.status, row.purpose) == (row_id, "pending", "code_issued")
        assert row.attempts >= 2 and row.last_error == "HTTP status 503"
        assert row.sealed and row.payload is None
        assert code not in repr(tuple(row)) and "AMB1" not in repr(tuple(row))
        if database_url is None:  # the raw SQLite files (and WAL) never hold the code either
            raw = database_bytes(state)
            assert code.encode() not in raw and b"/p/AMB1" not in raw
        assert (state / "secrets" / "outbox.key").stat().st_mode & 0o777 == 0o600

        gateway.status = 200  # the gateway is back; a new process on the same state and database
        second = build_system(config)
        second.start()
        try:
            wait_for(lambda: any(h.status == 200 for h in gateway.hits), what="delivered after restart")
            assert second.notifications.wait_idle()
            time.sleep(0.3)  # anything sent twice would arrive by now
            delivered = [h for h in gateway.hits if h.status == 200]
            (row,) = rows(second.engine)
        finally:
            second.stop()
    assert len(delivered) == 1
    assert f"/p/{code}" in delivered[0].json()["text"] and delivered[0].json()["to"] == PHONE
    assert (row.status, row.sealed, row.payload) == ("sent", None, None)
    assert row.delivered_at is not None and row.locked_by is None
    assert [h["status"] for h in second.notifications.history(doc_id)] == ["sent"]


def test_two_workers_on_one_database_never_send_a_row_twice(tmp_path, database_url):
    """Two office processes (one state dir, one database) each run a worker: every row is sent
    exactly once, by one of them."""
    count = 300  # enough that the second worker starts while the first still sends (batches of 20)
    state = tmp_path / "state"
    with WebhookReceiver() as gateway:
        config = office_config(state, database_url, gateway.url)
        one, two = build_system(config), build_system(config)
        codes = {}
        for n in range(count):
            doc_id, code = ready_for(one, title=f"Dokumen {n}")
            codes[doc_id] = code
            one.notifications.code_issued(doc_id, code)
        one.start()
        two.start()
        try:
            wait_for(lambda: len(gateway.hits) >= count, timeout=60, what=f"{count} deliveries")
            assert one.notifications.wait_idle(30) and two.notifications.wait_idle(30)
            time.sleep(0.3)
        finally:
            one.stop()
            two.stop()
    sent = Counter(hit.json()["document_id"] for hit in gateway.hits)
    assert set(sent) == set(codes) and set(sent.values()) == {1}
    assert one.notifications.sent + two.notifications.sent == count
    assert one.notifications.sent > 0 and two.notifications.sent > 0  # they did race
    assert {r.status for r in rows(one.engine)} == {"sent"}
    assert all(r.sealed is None for r in rows(one.engine))


def test_a_lost_key_fails_pending_code_messages_with_a_reason_for_staff(engine, office, pdf):
    doc = office.create_document(kind="print", title="SKCK", pdf=pdf, actor="t", citizen_email="a@b.id")
    issued = office.mark_ready(doc["id"], "t")
    config = NotifyConfig(retry_seconds=0.05)
    Notifications(engine, config, key=b"k" * 32, texts=CatalogTexts()).code_issued(
        doc["id"], issued.code
    )  # never started
    replaced = Notifications(
        engine, config, key=b"n" * 32, texts=CatalogTexts()
    )  # the key file was lost and remade
    replaced.start()
    try:
        assert replaced.wait_idle()
    finally:
        replaced.stop()
    (row,) = rows(engine)
    assert (row.status, row.last_error, row.sealed) == ("failed", KEY_LOST, None)


def test_an_agency_webhook_waits_in_the_outbox_signed_and_in_clear(engine, office):
    with WebhookReceiver() as hook:
        key = office.issue_api_key("agency", label="Dukcapil", webhook_url=hook.url)
        doc = office.create_document(
            kind="print", title="Akta", actor="agency", agency_key_id=key["id"], agency_ref="AKT-9"
        )
        config, texts = NotifyConfig(retry_seconds=0.05), CatalogTexts()
        Notifications(engine, config, key=bytes(32), texts=texts).document_changed(doc["id"], "released")
        (row,) = rows(engine)
        assert row.status == "pending" and row.sealed is None and "AKT-9" in row.payload
        later = Notifications(engine, config, key=bytes(32), texts=texts)  # the next process
        later.start()
        try:
            (hit,) = hook.wait(1)
            assert later.wait_idle()
        finally:
            later.stop()
    assert hit.json()["reference"] == "AKT-9"
    assert verify_signature(key["webhook_secret"], hit.body, hit.headers["X-Ambil-Signature"])
    (row,) = rows(engine)
    assert (row.status, row.payload) == ("sent", None)
