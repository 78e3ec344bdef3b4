"""The words of the citizen's message (Bahasa Indonesia first, an English line) and the agency's
webhook body. Pure functions: nothing here stores or logs what it builds."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime
from zoneinfo import ZoneInfo

from controller.office.notify.channels import Message

SIGNATURE_HEADER = "X-Ambil-Signature"


def citizen_link(public_url: str, code: str) -> str:
    """The citizen page showing the QR large, with the short code and expiry."""
    return f"{public_url.rstrip('/')}/p/{code}"


def code_issued_message(
    *,
    to: str,
    document_id: int,
    title: str,
    link: str,
    expires_at: float,
    zone: str = "Asia/Makassar",
) -> Message:
    """Tell the citizen a document is ready, with the link to the pickup QR and the expiry date."""
    local = datetime.fromtimestamp(expires_at, ZoneInfo(zone))
    until = local.strftime("%d-%m-%Y %H:%M") + f" {_zone_label(zone)}"
    text = (
        f'Dokumen Anda "{title}" siap diambil di drive-thru MPP.\n'
        f"Buka tautan ini dan tunjukkan kode QR di jalur pengambilan: {link}\n"
        f"Berlaku sampai {until}. Jangan bagikan tautan ini kepada orang lain.\n"
        "\n"
        f'Your document "{title}" is ready at the MPP drive-thru. Open the link and show the QR at '
        f"the pickup lane. Valid until {until}. Do not share this link.\n"
    )
    return Message(
        to=to,
        subject=f"Dokumen siap diambil / Document ready: {title}",
        text=text,
        document_id=document_id,
        purpose="code_issued",
    )


def _zone_label(zone: str) -> str:
    return {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}.get(zone, zone)


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
