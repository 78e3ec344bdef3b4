"""Real HTTP for tests: a built System served by uvicorn on a free loopback port, in a thread."""

from __future__ import annotations

import socket
import threading

import httpx
import uvicorn

from tests.rigs.wait import wait_for
from web.app import create_app

__all__ = ["LiveServer", "wait_for"]  # wait_for: tests/rigs/wait.py, kept here for old imports


class LiveServer:
    """``with LiveServer(system) as server:`` serves ``system`` at ``server.url`` until the block ends.

    The app's lifespan starts and stops the System, exactly as ``ambil serve`` does. With ``tls``
    (a ``tests.rigs.tls.ServerCert``) it serves https, at ``https://{host}:port``.
    """

    def __init__(self, system, *, port: int = 0, tls=None, host: str = "127.0.0.1"):
        self.system = system
        self.port = port
        self.tls = tls
        self.host = host
        self.url = ""
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> LiveServer:
        # IPPROTO_TCP, not 0: asyncio turns TCP_NODELAY on only then (else ~40 ms delayed ACKs)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        self.port = sock.getsockname()[1]
        scheme = "https" if self.tls is not None else "http"
        self.url = f"{scheme}://{self.host}:{self.port}"
        ssl = {} if self.tls is None else {"ssl_certfile": self.tls.certfile, "ssl_keyfile": self.tls.keyfile}
        config = uvicorn.Config(
            create_app(self.system),
            **ssl,
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=2,
            lifespan="on",
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="live-server", daemon=True
        )
        self._thread.start()
        wait_for(
            lambda: self._server.started or not self._thread.is_alive(), 60, what="uvicorn to start serving"
        )
        if not self._server.started:
            raise RuntimeError("uvicorn did not start (its thread ended; see the log above)")
        return self

    def __exit__(self, *exc) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=20)

    def client(self, key: str | None = None, *, verify=True) -> httpx.Client:
        """``verify``: httpx's (an ``ssl.SSLContext`` trusting the test CA for a TLS server)."""
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30, verify=verify)
