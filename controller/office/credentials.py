"""Password rules and hashing for the people who log in: argon2id, a dummy hash for timing,
and the SHA-256 under which a session token is stored."""

from __future__ import annotations

import hashlib

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from controller.kernel.errors import AmbilError

MIN_PASSWORD = 10
HASHER = PasswordHasher()
# verifying against this keeps a wrong username as slow as a wrong password
DUMMY_HASH = HASHER.hash("not a real password, only for timing")


def check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise AmbilError(
            f"the password must have at least {MIN_PASSWORD} characters", key="auth.weak_password"
        )


def verify_password(hashed: str, password: str) -> bool:
    try:
        return HASHER.verify(hashed, password or "")
    except (VerificationError, InvalidHashError):
        return False


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
