"""A tiny HTTP server for tests that records every POST (path, headers, body) on 127.0.0.1.

``fail_first=N`` answers the first N requests with 503, to test retries; ``status`` changes the
answer of the rest (default 200).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Hit:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int  # what the rig answered

    def json(self):
        return json.loads(self.body)


class WebhookReceiver:
    """``with WebhookReceiver(fail_first=2) as hook:`` -> ``hook.url``, ``hook.hits``, ``hook.wait(n)``."""

    def __init__(self, *, fail_first: int = 0, status: int = 200):
        self.fail_first = fail_first
        self.status = status
        self._hits: list[Hit] = []
        self._cond = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with receiver._cond:
                    failing = len(receiver._hits) < receiver.fail_first
                    status = 503 if failing else receiver.status
                    receiver._hits.append(Hit(self.path, dict(self.headers.items()), body, status))
                    receiver._cond.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):  # keep test output quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/hook"

    @property
    def hits(self) -> list[Hit]:
        with self._cond:
            return list(self._hits)

    def wait(self, count: int, timeout: float = 10.0) -> list[Hit]:
        with self._cond:
            self._cond.wait_for(lambda: len(self._hits) >= count, timeout)
            return list(self._hits)

    def __enter__(self) -> WebhookReceiver:
        self._thread = threading.Thread(target=self._server.serve_forever, name="webhook-rig", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
