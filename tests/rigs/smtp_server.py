"""A tiny SMTP server for tests: speaks enough SMTP (EHLO/HELO, AUTH PLAIN, MAIL, RCPT, DATA, RSET,
NOOP, QUIT) on 127.0.0.1 in a thread and records each delivered message.

``fail_first=N`` answers the first N transactions with ``451`` at MAIL FROM (a temporary failure),
to test the retry path. No STARTTLS (aiosmtpd is not a dependency).
"""

from __future__ import annotations

import base64
import socketserver
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes
    login: str | None = None

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.data, policy=policy.default)


@dataclass
class _State:
    messages: list[Received] = field(default_factory=list)
    fail_first: int = 0
    attempts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    arrived: threading.Condition = field(default_factory=threading.Condition)


class _Handler(socketserver.StreamRequestHandler):
    state: _State

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode("ascii") + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:  # noqa: C901 - one SMTP conversation, one verb per branch
        self.reply("220 ambil-test-smtp ready")
        sender, recipients, login = None, [], None
        while True:
            raw = self.rfile.readline(4096)
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = line.split(" ", 1)[0].upper()
            arg = line[len(verb) :].strip()
            if verb == "EHLO":
                self.wfile.write(b"250-ambil-test-smtp\r\n250-AUTH PLAIN\r\n250 8BITMIME\r\n")
                self.wfile.flush()
            elif verb == "HELO":
                self.reply("250 ambil-test-smtp")
            elif verb == "AUTH":
                parts = arg.split()
                if len(parts) == 2 and parts[0].upper() == "PLAIN":
                    fields = base64.b64decode(parts[1]).split(b"\0")
                    login = fields[1].decode() if len(fields) == 3 else None
                    self.reply("235 2.7.0 authenticated")
                else:
                    self.reply("504 only AUTH PLAIN with an initial response")
            elif verb == "MAIL":
                with self.state.lock:
                    self.state.attempts += 1
                    fail = self.state.attempts <= self.state.fail_first
                if fail:
                    self.reply("451 4.3.0 temporary failure (test)")
                    continue
                sender, recipients = arg.partition(":")[2].strip().strip("<>"), []
                self.reply("250 ok")
            elif verb == "RCPT":
                recipients.append(arg.partition(":")[2].strip().strip("<>"))
                self.reply("250 ok")
            elif verb == "DATA":
                if sender is None or not recipients:
                    self.reply("503 MAIL and RCPT first")
                    continue
                self.reply("354 end with <CRLF>.<CRLF>")
                data = bytearray()
                while True:
                    chunk = self.rfile.readline(65536)
                    if not chunk or chunk in (b".\r\n", b".\n"):
                        break
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                with self.state.arrived:
                    self.state.messages.append(Received(sender, recipients, bytes(data), login))
                    self.state.arrived.notify_all()
                sender, recipients = None, []
                self.reply("250 queued")
            elif verb == "RSET":
                sender, recipients = None, []
                self.reply("250 ok")
            elif verb == "NOOP":
                self.reply("250 ok")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")


class SmtpServer:
    """``with SmtpServer(fail_first=0) as smtp:`` -> ``smtp.port``, ``smtp.messages``, ``smtp.wait(n)``."""

    def __init__(self, *, fail_first: int = 0):
        self._state = _State(fail_first=fail_first)
        handler = type("Handler", (_Handler,), {"state": self._state})
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler, bind_and_activate=False)
        self._server.daemon_threads = True
        self._server.allow_reuse_address = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def messages(self) -> list[Received]:
        return list(self._state.messages)

    @property
    def attempts(self) -> int:
        return self._state.attempts

    def wait(self, count: int, timeout: float = 10.0) -> list[Received]:
        with self._state.arrived:
            self._state.arrived.wait_for(lambda: len(self._state.messages) >= count, timeout)
        return self.messages

    def __enter__(self) -> SmtpServer:
        self._server.server_bind()
        self._server.server_activate()
        self._thread = threading.Thread(target=self._server.serve_forever, name="smtp-rig", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
