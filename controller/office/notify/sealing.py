"""Sealing outbox payloads that hold a pickup code (DESIGN 5, "Outbox").

A citizen's message holds the pickup link, i.e. the code, a bearer secret the database must never
hold in clear. The payload is sealed with Fernet (AES-128-CBC + HMAC-SHA256, from
``cryptography``) under a 32-byte key kept outside the database, in
``state_dir/secrets/outbox.key`` (made on first start, like the short-code key). Whoever steals
the database without that file cannot read a pending message; a sealed payload is deleted once
the message is delivered or finally failed.
"""

from __future__ import annotations

import base64
import json


class SealBroken(Exception):
    """A sealed payload cannot be opened: the key is not the one it was sealed under (lost or
    replaced), or the ciphertext was altered."""


class Sealer:
    """Seal and open JSON payloads under one 32-byte key."""

    def __init__(self, key: bytes):
        if len(key) != 32:
            raise ValueError("the outbox key must be 32 bytes")
        # imported here, by the office only: a lane process imports this module, never seals
        from cryptography.fernet import Fernet

        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    def seal(self, payload: dict) -> str:
        """The payload as an authenticated ciphertext (ASCII, for a Text column)."""
        return self._fernet.encrypt(json.dumps(payload, sort_keys=True).encode("utf-8")).decode("ascii")

    def open(self, sealed: str) -> dict:
        """The payload again, or SealBroken."""
        from cryptography.fernet import InvalidToken

        try:
            return json.loads(self._fernet.decrypt(sealed.encode("ascii")))
        except (InvalidToken, ValueError, UnicodeError) as exc:
            raise SealBroken(type(exc).__name__) from None
