"""Notifications: the citizen message through the log, SMTP and webhook channels, retries with
backoff and the status rows (the outbox across restarts and workers: test_outbox.py)."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from controller.config import NotifyConfig
from controller.kernel.errors import CodeError
from controller.office.db.tables import notifications
from controller.office.notify import Notifications, mask_target
from tests.rigs.smtp_server import SmtpServer
from tests.rigs.webhook_receiver import WebhookReceiver
from web.i18n.messages import CatalogTexts

PUBLIC = "https://ambil.example.id"
KEY = b"outbox-test-key-0123456789abcdef"


def _ready_document(office, pdf, *, email="budi.santoso@example.id", phone="+62 812-3456-7890"):
    doc = office.create_document(
        kind="print", title="Akta Kelahiran", pdf=pdf, actor="test", citizen_email=email, citizen_phone=phone
    )
    return doc["id"], office.mark_ready(doc["id"], "test")


def _notifier(engine, **config):
    return Notifications(
        engine, NotifyConfig(retry_seconds=0.05, **config), key=KEY, texts=CatalogTexts(), public_url=PUBLIC
    )


def _all_rows_text(engine) -> str:
    with engine.connect() as conn:
        return repr([tuple(row) for row in conn.execute(select(notifications))])


@pytest.fixture
def started():
    running = []

    def start(notifier):
        notifier.start()
        running.append(notifier)
        return notifier

    yield start
    for notifier in running:
        notifier.stop()


def test_log_channel_records_sent_without_code_or_address(engine, office, pdf, caplog, started):
    notifier = started(_notifier(engine))
    doc_id, issued = _ready_document(office, pdf)
    with caplog.at_level(logging.DEBUG):
        row_id = notifier.code_issued(doc_id, issued.code)
        assert notifier.wait_idle()
    [row] = notifier.history(doc_id)
    assert row["id"] == row_id
    assert (row["status"], row["attempts"], row["channel"], row["purpose"]) == (
        "sent",
        1,
        "log",
        "code_issued",
    )
    assert row["target"] == "b***@example.id"
    assert issued.code not in caplog.text and "budi.santoso" not in caplog.text
    assert issued.code not in _all_rows_text(engine)


def test_email_reaches_smtp_server_with_link_and_expiry(engine, office, pdf, started):
    with SmtpServer() as smtp:
        notifier = started(
            _notifier(
                engine,
                channel="email",
                smtp_host="127.0.0.1",
                smtp_port=smtp.port,
                smtp_user="ambil",
                smtp_password="pw",
            )
        )
        doc_id, issued = _ready_document(office, pdf)
        notifier.code_issued(doc_id, issued.code)
        [mail] = smtp.wait(1)
        assert notifier.wait_idle()
    assert mail.recipients == ["budi.santoso@example.id"]
    assert mail.login == "ambil"
    body = mail.message.get_content()
    assert f"{PUBLIC}/p/{issued.code}" in body
    assert "siap diambil" in body and "is ready" in body and "WITA" in body
    assert "Akta Kelahiran" in mail.message["Subject"]
    assert notifier.history(doc_id)[0]["status"] == "sent"
    assert issued.code not in _all_rows_text(engine)


def test_email_retries_with_backoff_until_sent(engine, office, pdf, started):
    with SmtpServer(fail_first=2) as smtp:
        notifier = started(_notifier(engine, channel="email", smtp_host="127.0.0.1", smtp_port=smtp.port))
        doc_id, issued = _ready_document(office, pdf)
        notifier.code_issued(doc_id, issued.code)
        smtp.wait(1)
        assert notifier.wait_idle()
        assert smtp.attempts == 3
    [row] = notifier.history(doc_id)
    assert (row["status"], row["attempts"], row["last_error"]) == ("sent", 3, None)


def test_webhook_channel_posts_json_to_the_phone_and_retries(engine, office, pdf, started):
    with WebhookReceiver(fail_first=2) as gateway:
        notifier = started(_notifier(engine, channel="webhook", webhook_url=gateway.url))
        doc_id, issued = _ready_document(office, pdf)
        notifier.code_issued(doc_id, issued.code)
        hits = gateway.wait(3)
        assert notifier.wait_idle()
    assert [hit.status for hit in hits] == [503, 503, 200]
    payload = hits[-1].json()
    assert payload["to"] == "+62 812-3456-7890"
    assert payload["document_id"] == doc_id and payload["purpose"] == "code_issued"
    assert f"/p/{issued.code}" in payload["text"]
    [row] = notifier.history(doc_id)
    assert (row["status"], row["attempts"], row["target"]) == ("sent", 3, "***7890")


def test_webhook_gives_up_after_max_attempts(engine, office, pdf, started):
    with WebhookReceiver(fail_first=100) as gateway:
        notifier = started(_notifier(engine, channel="webhook", webhook_url=gateway.url, max_attempts=3))
        doc_id, issued = _ready_document(office, pdf)
        notifier.code_issued(doc_id, issued.code)
        gateway.wait(3)
        assert notifier.wait_idle()
        assert len(gateway.hits) == 3
    [row] = notifier.history(doc_id)
    assert (row["status"], row["attempts"], row["last_error"]) == ("failed", 3, "HTTP status 503")


def test_unreachable_smtp_fails_with_a_reason(engine, office, pdf, started):
    with SmtpServer() as smtp:
        port = smtp.port  # closed again when the block ends: nothing listens there now
    notifier = started(
        _notifier(engine, channel="email", smtp_host="127.0.0.1", smtp_port=port, max_attempts=2)
    )
    doc_id, issued = _ready_document(office, pdf)
    notifier.code_issued(doc_id, issued.code)
    assert notifier.wait_idle()
    [row] = notifier.history(doc_id)
    assert row["status"] == "failed" and row["attempts"] == 2
    assert row["last_error"].startswith("SMTP ")


def test_no_contact_no_address_and_wrong_code(engine, office, pdf, started):
    notifier = started(_notifier(engine, channel="email"))
    doc_id, issued = _ready_document(office, pdf, email=None, phone=None)
    assert notifier.code_issued(doc_id, issued.code) is None
    assert notifier.history(doc_id) == []

    doc2, issued2 = _ready_document(office, pdf, email=None)
    notifier.code_issued(doc2, issued2.code)
    [row] = notifier.history(doc2)
    assert row["status"] == "failed" and "email" in row["last_error"]

    with pytest.raises(CodeError):
        notifier.code_issued(doc2, issued.code)  # another document's code
    reissued = office.reissue(doc2, "test")
    with pytest.raises(CodeError):
        notifier.code_issued(doc2, issued2.code)  # the revoked code
    notifier.code_issued(doc2, reissued.code)


def test_mask_target():
    assert mask_target("budi@example.id") == "b***@example.id"
    assert mask_target("+62 812-3456-7890") == "***7890"
    assert mask_target("123") == "***"


def test_webhook_channel_needs_url():
    with pytest.raises(ValueError):
        NotifyConfig(channel="webhook")
