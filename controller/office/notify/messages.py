"""What the office's messages carry: the citizen link, the agency's webhook body and its signature,
and the port (``MessageTexts``) through which web/ writes the words of the citizen's message and
of technician alerts. Pure functions: nothing here stores or logs what it builds."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Protocol

SIGNATURE_HEADER = "X-Ambil-Signature"


def citizen_link(public_url: str, code: str) -> str:
    """The citizen page showing the QR large, with the short code and expiry."""
    return f"{public_url.rstrip('/')}/p/{code}"


class MessageTexts(Protocol):
    """The words of the office's messages, written by web/ (``web/i18n/messages.py``) and handed in
    by the composition root: the office says which message and with what, never in which words."""

    def code_issued(self, *, title: str, link: str, expires_at: float) -> tuple[str, str]:
        """(subject, text) telling the citizen a document is ready, with the link and the expiry."""
        ...

    def alert(self, *, rule: str, lane: str, detail: str) -> tuple[str, str]:
        """(subject, text) of a technician alert: rule key (``door.left_open:A:3``), lane, what was seen."""
        ...


def webhook_body(*, event: str, reference: str | None, document_id: int, state: str, at: float) -> bytes:
    """The agency webhook's JSON body, as the exact bytes that get signed and sent."""
    body = {"event": event, "reference": reference, "document_id": document_id, "state": state, "at": at}
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode("utf-8")


def sign(secret: str, body: bytes) -> str:
    """``sha256=<hex HMAC-SHA256 of body under secret>`` for the X-Ambil-Signature header."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify_signature(secret: str, body: bytes, header: str | None) -> bool:
    """What an agency does with the header (here for the docs and tests)."""
    return bool(header) and hmac.compare_digest(sign(secret, body), header)
