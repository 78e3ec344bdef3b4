"""The office behind the reverse proxies README shows, for real: Caddy (``tls internal``, its own
CA) and nginx (a certificate from a CA made in the test) in front of an office served over HTTP;
a lane link with ``lane.office_ca_file`` heartbeats and claims through each, and ``ambil doctor``
passes. The proxy configs are read from README's code blocks, so README cannot drift from them.
And a proxy's ``X-Forwarded-For`` keeps a browser from passing for the Pi itself."""

from __future__ import annotations

import re
import shutil
import socket
import ssl
import subprocess
from pathlib import Path

import pytest

from controller.config import parse_config
from controller.kernel.errors import CodeError
from controller.kernel.office_tls import office_trust
from controller.ops.doctor.run import OK
from controller.ops.doctor.system import office_findings
from controller.system import build_office_link
from tests.rigs.server import LiveServer
from tests.rigs.tls import TestCA
from tests.rigs.wait import wait_for
from web.app import build_system

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def readme_block(language: str, containing: str) -> str:
    blocks = re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)
    return next(block for block in blocks if containing in block)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def office(tmp_path):
    system = build_system(parse_config({"role": "office", "state_dir": str(tmp_path / "office")}))
    system.office.ensure_lane("lane-1")
    key = system.office.create_api_key("lane", lane_id="lane-1")
    with LiveServer(system) as server:
        yield server, key


@pytest.fixture
def proxy_process(tmp_path):
    started: list[subprocess.Popen] = []

    def start(argv: list[str]) -> subprocess.Popen:
        process = subprocess.Popen(argv, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        started.append(process)
        return process

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=10)


def listening(port: int, process: subprocess.Popen) -> bool:
    if process.poll() is not None:
        raise AssertionError(f"the proxy exited: {process.stderr.read().decode(errors='replace')[-2000:]}")
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def handshakes(port: int, host: str, ca_file: Path) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            with office_trust(ca_file).wrap_socket(sock, server_hostname=host):
                return True
    except ssl.SSLError:
        return False


def lane_works_through(url: str, key: str, ca_file: Path, tmp_path: Path) -> None:
    config = parse_config(
        {
            "role": "lane",
            "state_dir": str(tmp_path / "lane"),
            "lane": {"office_url": url, "api_key": key, "office_ca_file": str(ca_file)},
        }
    )
    link = build_office_link(config, None)
    try:
        link.heartbeat({"lane_id": "lane-1"})
        with pytest.raises(CodeError):  # the office's own typed answer came back through TLS
            link.claim(code_hash="0" * 64, claim_id="tls-proxy-claim")
    finally:
        link.close()
    assert [f.status for f in office_findings(config)] == [OK, OK]


def test_the_office_behind_caddy_with_tls_internal(office, proxy_process, tmp_path):
    caddy = shutil.which("caddy")
    assert caddy, "caddy is a test tool (setup.sh installs it)"
    server, key = office
    port = free_port()
    site = readme_block("caddyfile", "tls internal")
    site = site.replace("office.mpp.lan, 10.0.0.5", f"localhost:{port}, 127.0.0.1:{port}")
    site = site.replace("127.0.0.1:8080", f"127.0.0.1:{server.port}")
    data = tmp_path / "caddy-data"
    caddyfile = tmp_path / "Caddyfile"
    caddyfile.write_text(f"{{\n\tadmin off\n\tskip_install_trust\n\tstorage file_system {data}\n}}\n{site}")
    process = proxy_process([caddy, "run", "--config", str(caddyfile), "--adapter", "caddyfile"])
    root = data / "pki" / "authorities" / "local" / "root.crt"  # README: Caddy's root, to each lane
    wait_for(lambda: root.is_file() and listening(port, process), what="Caddy listening")
    # Caddy listens before its certificate for the site is issued (a handshake then ends in an
    # "internal error" alert): wait until one handshake passes
    wait_for(lambda: handshakes(port, "localhost", root), what="Caddy's certificate for localhost")
    lane_works_through(f"https://localhost:{port}", key, root, tmp_path)


def test_the_office_behind_nginx(office, proxy_process, tmp_path):
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    assert nginx, "nginx is a test tool (setup.sh installs it)"
    server, key = office
    port = free_port()
    ca = TestCA(tmp_path / "ca")
    cert = ca.server(["office.mpp.lan", "127.0.0.1"])
    site = readme_block("nginx", "proxy_pass")
    site = site.replace("listen 443 ssl;", f"listen 127.0.0.1:{port} ssl;")
    site = site.replace("/etc/ssl/ambil/office.pem", str(cert.certfile))
    site = site.replace("/etc/ssl/ambil/office.key", str(cert.keyfile))
    site = site.replace("127.0.0.1:8080", f"127.0.0.1:{server.port}")
    temp = tmp_path / "nginx-tmp"
    temp.mkdir()
    paths = " ".join(
        f"{kind}_temp_path {temp};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        f"daemon off;\npid {tmp_path / 'nginx.pid'};\nerror_log {tmp_path / 'nginx-error.log'};\n"
        f"events {{}}\nhttp {{\naccess_log off;\n{paths}\n{site}}}\n"
    )
    process = proxy_process([nginx, "-c", str(conf), "-p", str(tmp_path)])
    wait_for(lambda: listening(port, process), what="nginx serving https")
    lane_works_through(f"https://127.0.0.1:{port}", key, ca.pem, tmp_path)


def test_behind_a_proxy_on_the_same_host_a_browser_is_not_the_pi_itself(tmp_path):
    # README: a proxy on 127.0.0.1 must send X-Forwarded-For (Caddy does, the nginx block sets it);
    # uvicorn takes the client's address from it, so lane.trust_loopback does not open the local
    # lane routes to everyone the proxy lets in
    system = build_system(parse_config({"state_dir": str(tmp_path / "all")}))
    with LiveServer(system) as server, server.client() as pi:
        assert pi.get("/api/v1/lane").status_code == 200  # the Pi itself (loopback, no proxy)
        forwarded = pi.get("/api/v1/lane", headers={"X-Forwarded-For": "203.0.113.9"})
        assert forwarded.status_code == 401
