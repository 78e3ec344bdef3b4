"""Keys kept in their own files (mode 600), out of the database: the short-code HMAC key, the
outbox key, the CSRF secret. Made on first start, read ever after."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def load_secret(path: Path) -> bytes:
    """A 32-byte key kept in its own file (mode 600), made on first start."""
    if path.exists():
        return path.read_bytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key)
    return key
