"""The HTTP office link maps the office's answers one way for every call: claims, reports,
heartbeats and the sync alike (the sync had its own client that called every non-200 'unreachable')."""

from __future__ import annotations

import httpx
import pytest

from controller.kernel.errors import AmbilError, CodeError, OfficeUnreachable
from controller.lane.link.http import HttpOfficeLink


def answering(status: int, body: dict | None = None, *, raw: bytes | None = None) -> HttpOfficeLink:
    def handler(request: httpx.Request) -> httpx.Response:
        if raw is not None:
            return httpx.Response(status, content=raw)
        return httpx.Response(status, json=body or {})

    return HttpOfficeLink("http://office.test", "amk_test", transport=httpx.MockTransport(handler))


CALLS = {
    "claim": lambda link: link.claim(code_hash="h", claim_id="c"),
    "report": lambda link: link.report(claim_id="c", outcome="released"),
    "heartbeat": lambda link: link.heartbeat({"lane_id": "lane-1"}),
    "fetch_snapshot": lambda link: link.fetch_snapshot(),
    "report_offline": lambda link: link.report_offline([]),
    "acknowledge": lambda link: link.acknowledge(snapshot_time=1.0, grace_seconds=1.0),
}


@pytest.mark.parametrize("call", CALLS)
def test_a_refused_key_is_the_offices_typed_error_on_every_call(call):
    link = answering(401, {"error": "auth.missing", "detail": "unknown key"})
    with pytest.raises(AmbilError) as raised:
        CALLS[call](link)
    assert raised.value.key == "auth.missing"  # not "office.unreachable": the cause is the key
    assert not isinstance(raised.value, OfficeUnreachable)


@pytest.mark.parametrize("call", CALLS)
def test_an_unwell_office_is_unreachable_on_every_call(call):
    with pytest.raises(OfficeUnreachable):
        CALLS[call](answering(503, raw=b"<html>bad gateway</html>"))


@pytest.mark.parametrize("call", CALLS)
def test_no_answer_at_all_is_unreachable_on_every_call(call):
    def handler(request):
        raise httpx.ConnectError("connection refused")

    link = HttpOfficeLink("http://office.test", "amk_test", transport=httpx.MockTransport(handler))
    with pytest.raises(OfficeUnreachable):
        CALLS[call](link)


def test_a_refused_code_is_a_code_error():
    link = answering(410, {"error": "code.expired", "detail": ""})
    with pytest.raises(CodeError) as raised:
        link.claim(code_hash="h", claim_id="c")
    assert raised.value.key == "code.expired"


def test_the_sync_worker_names_a_refused_key(tmp_path):
    from controller.lane.journal import Journal
    from controller.lane.offline import OfflineStore
    from controller.lane.sync import SyncWorker

    journal = Journal(tmp_path / "journal.db")
    try:
        worker = SyncWorker(OfflineStore(journal, banks=["A"]), answering(401, {"error": "auth.missing"}))
        assert worker.sync_once() is False
        assert worker.last_error == "auth.missing"
    finally:
        journal.close()
