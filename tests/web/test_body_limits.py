"""Bounded input before trust (DESIGN 5), through real HTTP: a body over its route's limit is
refused before it is read, and an API request's key is checked before its body is read.

LiveServer serves in this process, so this process's resident memory and its open temporary
files are the server's. Bodies are made on the fly by generators: the test never holds them, and
counts how much of each the client managed to send before the server answered.
"""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path

import httpx
import pytest

from tests.conftest import make_pdf
from tests.rigs.server import LiveServer
from tests.web.helpers import browser, csrf_from, login

MB = 2**20
BOUNDARY = "ambil-test-boundary"


class Body:
    """``total`` bytes of request body from a generator; ``sent`` is what the client handed to
    the socket before it stopped (all of it, unless the server cut the connection)."""

    def __init__(self, total: int, head: bytes = b"", tail: bytes = b"", chunk: int = MB):
        self.total, self.head, self.tail, self.chunk = total, head, tail, chunk
        self.sent = 0

    def __iter__(self):
        block = b"a" * self.chunk
        left = self.total - len(self.head) - len(self.tail)
        yield self.head
        self.sent += len(self.head)
        while left > 0:
            piece = block if left >= self.chunk else block[:left]
            yield piece
            self.sent += len(piece)  # resumed: the piece was written
            left -= len(piece)
        yield self.tail
        self.sent += len(self.tail)


def multipart(total: int, fields: dict | None = None) -> Body:
    """A multipart/form-data body of ``total`` bytes whose ``file`` part is a big "PDF"."""
    head = b"".join(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in (fields or {}).items()
    )
    head += (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n%PDF-1.7\n"
    ).encode()
    return Body(total, head=head, tail=f"\r\n--{BOUNDARY}--\r\n".encode())


MULTIPART = {"content-type": f"multipart/form-data; boundary={BOUNDARY}"}
JSON = {"content-type": "application/json"}


class Watch:
    """While a request runs: the peak growth of this process's resident memory, and the peak
    bytes of the temporary files open under ``spool`` (python-multipart spools uploads there)."""

    def __init__(self, spool: Path):
        self.spool = str(spool)
        self.rss_growth = 0
        self.spool_peak = 0
        self._stop = threading.Event()

    def __enter__(self) -> Watch:
        self._base = _rss()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._measure()

    def _sample(self) -> None:
        while not self._stop.wait(0.01):
            self._measure()

    def _measure(self) -> None:
        self.rss_growth = max(self.rss_growth, _rss() - self._base)
        self.spool_peak = max(self.spool_peak, _open_bytes_under(self.spool))


def _rss() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS in /proc/self/status")


def _open_bytes_under(folder: str) -> int:
    total = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}").startswith(folder):
                total += os.stat(f"/proc/self/fd/{fd}").st_size
        except OSError:
            continue  # closed meanwhile
    return total


@pytest.fixture
def served(build, tmp_path, monkeypatch):
    """The all-in-one system served over HTTP, its uploads spooled into a folder of the test's."""
    spool = tmp_path / "spool"
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))
    system = build()
    with LiveServer(system) as server:
        yield server, system, spool


def send(server, path: str, body: Body, headers: dict, *, key: str | None = None, length: bool = True):
    """POST ``body`` (with a Content-Length, or chunked); the answer however early it came."""
    headers = dict(headers)
    if key:
        headers["authorization"] = f"Bearer {key}"
    if length:
        headers["content-length"] = str(body.total)
    with httpx.Client(base_url=server.url, timeout=60) as client:
        return client.post(path, content=iter(body), headers=headers)


def assert_error(response, status: int, key: str) -> None:
    assert response.status_code == status, response.text[:300]
    body = response.json()
    assert body["error"] == key and body["message"] and body["message_en"]


@pytest.mark.parametrize("length", [True, False], ids=["content-length", "chunked"])
def test_300_mb_of_json_without_a_key_is_refused_before_it_is_read(served, length):
    server, _system, spool = served
    body = Body(300 * MB, head=b'{"code_hash": "', tail=b'", "claim_id": "c-0000001"}')
    with Watch(spool) as watch:
        response = send(server, "/api/v1/claims", body, JSON, length=length)
    assert_error(response, 401, "auth.missing")
    assert watch.rss_growth < 50 * MB, f"grew {watch.rss_growth / MB:.0f} MB"
    assert body.sent < 50 * MB, f"the server read {body.sent / MB:.0f} MB before answering"


def test_400_mb_multipart_without_a_key_writes_no_temporary_file(served):
    server, _system, spool = served
    body = multipart(400 * MB, {"title": "Akta", "reference": "REF-1"})
    with Watch(spool) as watch:
        response = send(server, "/api/v1/agency/documents", body, MULTIPART)
    assert_error(response, 401, "auth.missing")
    assert watch.spool_peak == 0, f"{watch.spool_peak / MB:.0f} MB spooled"
    assert watch.rss_growth < 50 * MB, f"grew {watch.rss_growth / MB:.0f} MB"
    assert body.sent < 50 * MB, f"the server read {body.sent / MB:.0f} MB before answering"


def test_a_bad_key_is_refused_before_the_body_too(served):
    server, _system, spool = served
    body = multipart(400 * MB, {"title": "Akta", "reference": "REF-1"})
    with Watch(spool) as watch:
        response = send(server, "/api/v1/agency/documents", body, MULTIPART, key="amk_not-a-key")
    assert_error(response, 401, "auth.missing")
    assert watch.spool_peak == 0 and body.sent < 50 * MB


def test_with_a_valid_key_a_declared_length_over_the_limit_is_413_before_reading(served):
    server, system, spool = served
    key = system.office.create_api_key("agency", label="agency-1")
    body = multipart(400 * MB, {"title": "Akta", "reference": "REF-1"})
    with Watch(spool) as watch:
        response = send(server, "/api/v1/agency/documents", body, MULTIPART, key=key)
    assert_error(response, 413, "request.too_large")
    # the text names the file's limit (office.max_upload_mb), not the 1 MB framing allowance
    assert response.json()["limit_mb"] == 10 and "paling besar 10 MB" in response.json()["message"]
    assert watch.spool_peak == 0, f"{watch.spool_peak / MB:.0f} MB spooled"
    assert body.sent < 50 * MB, f"the server read {body.sent / MB:.0f} MB before answering"


def test_with_a_valid_key_a_chunked_upload_is_cut_at_the_limit(served):
    server, system, spool = served
    key = system.office.create_api_key("agency", label="agency-1")
    limit = system.config.upload_body_limit
    body = multipart(400 * MB, {"title": "Akta", "reference": "REF-1"})
    with Watch(spool) as watch:
        response = send(server, "/api/v1/agency/documents", body, MULTIPART, key=key, length=False)
    assert_error(response, 413, "request.too_large")
    assert watch.spool_peak <= limit, f"{watch.spool_peak / MB:.0f} MB spooled"
    assert body.sent < limit + 50 * MB, f"the server read {body.sent / MB:.0f} MB before answering"


def test_with_a_valid_key_a_chunked_json_body_is_cut_at_the_small_limit(served):
    server, system, spool = served
    system.office.ensure_lane("lane-1")
    key = system.office.create_api_key("lane", lane_id="lane-1")
    body = Body(300 * MB, head=b'{"code_hash": "', tail=b'", "claim_id": "c-0000001"}')
    with Watch(spool) as watch:
        response = send(server, "/api/v1/claims", body, JSON, key=key, length=False)
    assert_error(response, 413, "request.too_large")
    assert f"at most {system.config.body_limit / MB:g} MB" in response.json()["message_en"]
    assert system.config.body_limit < 5 * MB  # JSON routes get a much smaller limit than uploads
    assert watch.rss_growth < 50 * MB, f"grew {watch.rss_growth / MB:.0f} MB"
    assert body.sent < 50 * MB, f"the server read {body.sent / MB:.0f} MB before answering"


def test_an_upload_within_its_limit_still_works_and_the_key_is_looked_up_once(served, monkeypatch):
    server, system, _spool = served
    key = system.office.create_api_key("staff")
    pdf = make_pdf(1, "x" * (5 * MB))  # over the small limit, within the upload limit
    assert system.config.body_limit < len(pdf) < system.config.upload_body_limit
    lookups = []
    real_lookup = system.office.lookup_api_key
    monkeypatch.setattr(system.office, "lookup_api_key", lambda k: lookups.append(k) or real_lookup(k))
    with server.client(key) as api:
        created = api.post(
            "/api/v1/documents",
            data={"kind": "print", "title": "Akta"},
            files={"file": ("a.pdf", pdf, "application/pdf")},
        )
        assert created.status_code == 201, created.text
        assert len(lookups) == 1  # by the guard, before the body; the route reused it
        ready = api.post(f"/api/v1/documents/{created.json()['id']}/ready")  # no body at all
        assert ready.status_code == 200, ready.text


def test_the_lane_pi_itself_still_posts_to_its_local_routes_without_a_key(served):
    server, _system, _spool = served
    with server.client() as local:  # loopback: lane.trust_loopback admits the Pi's own screen
        assert local.post("/api/v1/lane/short-code", json={"digits": "123"}).status_code < 400
        refused = local.post("/api/v1/claims", json={"code_hash": "0" * 64, "claim_id": "c-0000001"})
        assert_error(refused, 401, "auth.missing")  # not a local route: a lane key is needed


def test_the_upload_page_has_the_limit_too(served):
    server, system, _spool = served
    system.accounts.create_user("siti", "kata-sandi-siti", "staff")
    client = browser(server.url)
    assert login(client, "siti", "kata-sandi-siti").status_code == 303
    token = csrf_from(client.get("/staff/documents/new").text)
    body = multipart(100 * MB, {"csrf_token": token, "title": "Akta"})
    headers = {**MULTIPART, "content-length": str(body.total)}
    response = client.post("/staff/documents", content=iter(body), headers=headers)
    assert response.status_code == 413
    assert "text/html" in response.headers["content-type"]  # a page, in the staff's language
    assert "Permintaan terlalu besar" in response.text
    assert body.sent < 50 * MB
    # and a normal upload through the same page still goes through
    token = csrf_from(client.get("/staff/documents/new").text)
    kinds = system.kinds.list(active_only=True)
    print_kind = next(k for k in kinds if k.delivery == "print")
    done = client.post(
        "/staff/documents",
        data={"csrf_token": token, "kind_id": str(print_kind.id), "title": "Akta"},
        files={"file": ("a.pdf", make_pdf(1), "application/pdf")},
    )
    assert done.status_code == 303, done.text[:500]
    client.close()
