"""A lane reaches its office over real TLS (uvicorn serving a certificate signed by a CA made in
the test): with ``lane.office_ca_file`` it heartbeats, claims and releases; without it, or against
a certificate for another host, or an office that does not speak TLS, the link's one error
mapping says "office unreachable" with what to do, and ``ambil doctor`` says the same."""

from __future__ import annotations

import logging
import time

import httpx
import pytest

from controller.config import ConfigError, parse_config
from controller.kernel.errors import OfficeUnreachable
from controller.kernel.office_tls import in_clear, office_trust
from controller.lane.heartbeat import HeartbeatSender
from controller.lane.link.http import HttpOfficeLink
from controller.ops.doctor.run import FAIL, OK, WARN
from controller.ops.doctor.system import office_findings
from controller.system import build_office_link
from tests.conftest import make_pdf
from tests.rigs.server import LiveServer
from tests.rigs.tls import TestCA
from tests.rigs.wait import wait_for
from web.app import build_system


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    """One office (SQLite) and one CA for the module; each test serves it with its own certificate."""
    root = tmp_path_factory.mktemp("tls")
    system = build_system(parse_config({"role": "office", "state_dir": str(root / "office")}))
    system.office.ensure_lane("lane-1")
    keys = {
        "lane": system.office.create_api_key("lane", lane_id="lane-1"),
        "admin": system.office.create_api_key("admin"),
        "staff": system.office.create_api_key("staff"),
    }
    return system, keys, TestCA(root / "ca")


def lane_config(tmp_path, url: str, key: str, **lane):
    return parse_config(
        {
            "role": "lane",
            "state_dir": str(tmp_path / "lane"),
            "lane": {
                "office_url": url,
                "api_key": key,
                "heartbeat_seconds": 0.3,
                "result_seconds": 0.3,
                "printer": {"type": "sim", "seconds_per_page": 0.01},
                "lockers": [],
                **lane,
            },
        }
    )


def test_with_the_ca_file_the_lane_heartbeats_claims_and_releases(office, tmp_path):
    system, keys, ca = office
    with LiveServer(system, tls=ca.server(["127.0.0.1", "localhost"])) as server:
        assert server.url.startswith("https://")
        config = lane_config(tmp_path, server.url, keys["lane"], office_ca_file=str(ca.pem))
        lane_system = build_system(config)
        lane = lane_system.lane
        lane.settings.status_interval = 0.2
        trust = office_trust(ca.pem)
        lane_system.start()
        try:
            with (
                server.client(keys["staff"], verify=trust) as staff,
                server.client(keys["admin"], verify=trust) as admin,
            ):
                wait_for(
                    lambda: any(
                        row["lane_id"] == "lane-1" and row.get("online")
                        for row in admin.get("/api/v1/fleet").json()["lanes"]
                    ),
                    what="lane-1's heartbeat over https",
                )
                doc = staff.post(
                    "/api/v1/documents",
                    data={"kind": "print", "title": "NPWP"},
                    files={"file": ("n.pdf", make_pdf(1), "application/pdf")},
                ).json()
                code = staff.post(f"/api/v1/documents/{doc['id']}/ready").json()["code"]
                wait_for(lambda: lane.screen.view.state == "ready", what="lane ready over https")
                lane.simulate_scan(text=code)
                wait_for(
                    lambda: staff.get(f"/api/v1/documents/{doc['id']}").json()["state"] == "released",
                    what="claimed, printed and reported over https",
                )
            assert len(lane.printer.printed) == 1
        finally:
            lane_system.stop()
        assert [f.status for f in office_findings(config)] == [OK, OK]


def test_without_the_ca_file_the_certificate_is_not_trusted(office, tmp_path, caplog):
    system, keys, ca = office
    with LiveServer(system, tls=ca.server(["127.0.0.1", "localhost"])) as server:
        link = HttpOfficeLink(server.url, keys["lane"])  # the system CAs: they never signed ours
        with pytest.raises(OfficeUnreachable) as raised:
            link.heartbeat({"lane_id": "lane-1"})
        detail = str(raised.value)
        assert "office certificate not trusted" in detail and "set lane.office_ca_file" in detail, detail
        # the lane's log says it too (the heartbeat's first failure), not just "OfficeUnreachable"
        with caplog.at_level(logging.WARNING, logger="controller.lane.heartbeat"):
            assert HeartbeatSender(lambda: {"lane_id": "lane-1"}, link.heartbeat, interval=1).beat() is False
        assert any("set lane.office_ca_file" in r.getMessage() for r in caplog.records)
        found = office_findings(lane_config(tmp_path, server.url, keys["lane"]))
    assert [f.status for f in found] == [FAIL]
    assert "certificate not trusted" in found[0].message and "lane.office_ca_file" in found[0].fix


def test_a_ca_file_that_did_not_sign_the_office_is_named(office, tmp_path):
    system, keys, ca = office
    other = TestCA(tmp_path / "other", name="someone else's CA")
    with LiveServer(system, tls=ca.server(["127.0.0.1"])) as server:
        link = HttpOfficeLink(server.url, keys["lane"], ca_file=other.pem)
        with pytest.raises(OfficeUnreachable) as raised:
            link.claim(code_hash="h", claim_id="c")
    assert "not trusted" in str(raised.value) and str(other.pem) in str(raised.value)


def test_a_certificate_for_another_host_says_so(office, tmp_path):
    system, keys, ca = office
    with LiveServer(system, tls=ca.server(["office.example"])) as server:
        config = lane_config(tmp_path, server.url, keys["lane"], office_ca_file=str(ca.pem))
        link = build_office_link(config, None)
        with pytest.raises(OfficeUnreachable) as raised:
            link.heartbeat({"lane_id": "lane-1"})
        assert "office certificate is for another host name" in str(raised.value), raised.value
        assert "127.0.0.1" in str(raised.value)  # the name the lane asked for
        found = office_findings(config)
    assert [f.status for f in found] == [FAIL] and "another host name" in found[0].message


def test_an_office_that_does_not_speak_tls_is_a_handshake_failure(office, tmp_path):
    system, keys, _ = office
    with LiveServer(system) as server:  # plain http behind an https:// URL
        url = server.url.replace("http://", "https://")
        started = time.monotonic()
        with pytest.raises(OfficeUnreachable) as raised:
            HttpOfficeLink(url, keys["lane"]).heartbeat({"lane_id": "lane-1"})
    assert "TLS handshake with the office failed" in str(raised.value), raised.value
    assert time.monotonic() - started < 5


def test_the_ca_file_is_checked_at_load(tmp_path):
    base = {"role": "lane", "lane": {"office_url": "https://office.example", "api_key": "k"}}

    def problems(ca_file) -> list[str]:
        with pytest.raises(ConfigError) as raised:
            parse_config({**base, "lane": {**base["lane"], "office_ca_file": str(ca_file)}})
        return raised.value.problems

    missing = problems(tmp_path / "nope.pem")
    assert missing[0].startswith("lane.office_ca_file:") and "no such file" in missing[0]
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n")
    assert "holds no PEM certificate" in problems(garbage)[0]
    key_only = TestCA(tmp_path / "ca").server(["office.example"]).keyfile  # a key, not a certificate
    assert "holds no PEM certificate" in problems(key_only)[0]
    good = TestCA(tmp_path / "ca2").pem
    assert parse_config({**base, "lane": {**base["lane"], "office_ca_file": str(good)}}).lane.office_ca_file
    with pytest.raises(ConfigError) as raised:
        parse_config({**base, "lane": {"office_url": "office.example:8080", "api_key": "k"}})
    assert raised.value.problems[0].startswith("lane.office_url:") and "http://" in raised.value.problems[0]


@pytest.mark.parametrize(
    ("url", "clear"),
    [
        ("http://10.1.2.3:8080", True),
        ("http://office.lan", True),
        ("http://127.0.0.1:8080", False),
        ("http://[::1]:8080", False),
        ("http://localhost:8080", False),
        ("https://10.1.2.3", False),
    ],
)
def test_which_office_urls_carry_the_key_in_clear(url, clear):
    assert in_clear(url) is clear


def test_plain_http_to_another_machine_is_warned_at_start_and_by_the_doctor(tmp_path, caplog):
    config = lane_config(tmp_path, "http://10.1.2.3:8080", "amk_k")
    with caplog.at_level(logging.WARNING, logger="controller.system"):
        build_office_link(config, None).close()
    assert any("travels in clear" in record.getMessage() for record in caplog.records)

    def office_answers(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200 if request.url.path == "/healthz" else 404, json={})

    found = office_findings(config, transport=httpx.MockTransport(office_answers))
    assert [(f.status, f.name) for f in found] == [(WARN, "office tls"), (OK, "office")]
    assert "travels in clear" in found[0].fix

    caplog.clear()
    loopback = lane_config(tmp_path, "http://127.0.0.1:8080", "amk_k")
    with caplog.at_level(logging.WARNING, logger="controller.system"):
        build_office_link(loopback, None).close()
    assert not [r for r in caplog.records if "travels in clear" in r.getMessage()]


@pytest.mark.parametrize(
    "answer",
    [
        "Client sent an HTTP request to an HTTPS server.\n",
        "<h1>400 The plain HTTP request was sent to HTTPS port",
    ],
)
def test_plain_http_to_a_proxys_https_port_says_use_https(answer, tmp_path):
    # the 400 answers Caddy and nginx give plain HTTP on a TLS port (seen from both, verbatim)
    def proxy(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, text=answer)

    link = HttpOfficeLink("http://office.example:443", "amk_k", transport=httpx.MockTransport(proxy))
    with pytest.raises(OfficeUnreachable) as raised:
        link.heartbeat({"lane_id": "lane-1"})
    assert "use https:// in lane.office_url" in str(raised.value), raised.value
    config = lane_config(tmp_path, "http://office.example:443", "amk_k")
    found = office_findings(config, transport=httpx.MockTransport(proxy))
    assert [(f.status, f.name) for f in found] == [(WARN, "office tls"), (FAIL, "office tls")]
    assert "serves https" in found[1].message and "https://" in found[1].fix
