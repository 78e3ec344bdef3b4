"""Pickup codes (DESIGN section 4): a bearer secret in the QR, and a short code for manual entry.

A pickup code is ``AMB1`` + base32 (no padding) of 16 random bytes: 30 characters, all in the QR
alphanumeric alphabet, so it fits a version 3-Q symbol. The office keeps only ``code_hash(code)``.
The 10-digit short code is too small for a plain hash, so it is stored as an HMAC under a key that
lives outside the database.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets

from controller.kernel.errors import CodeError

CODE_PREFIX = "AMB1"
CODE_BYTES = 16
CODE_LENGTH = 30  # len(CODE_PREFIX) + 26 base32 characters for 16 bytes
SHORT_CODE_DIGITS = 10
PIN_DIGITS = 6  # the second factor's length (the office makes PINs, the lane's keypad shows it)

_CODE_RE = re.compile(r"AMB1[A-Z2-7]{26}", re.ASCII)
_SHORT_RE = re.compile(r"[0-9]{10}", re.ASCII)
_SHORT_SEPARATORS = re.compile(r"[\s\-]+")
_MAX_INPUT = 200  # longer input is refused before any regex work


def new_code() -> str:
    """Return a fresh pickup code (30 characters, ``AMB1`` + base32 of 16 random bytes)."""
    tail = base64.b32encode(secrets.token_bytes(CODE_BYTES)).decode("ascii").rstrip("=")
    return CODE_PREFIX + tail


def parse_code(text: object) -> str:
    """Return the canonical pickup code in ``text`` or raise ``CodeError(key="code.malformed")``.

    Only surrounding whitespace is forgiven. Lowercase, other prefixes, wrong lengths and base32
    tails that do not round-trip (non-zero padding bits) are refused, so one secret has exactly one
    spelling and therefore exactly one hash.
    """
    if not isinstance(text, str) or len(text) > _MAX_INPUT:
        raise CodeError("not a pickup code", key="code.malformed")
    candidate = text.strip()
    if not _CODE_RE.fullmatch(candidate):
        raise CodeError("not a pickup code", key="code.malformed")
    tail = candidate[len(CODE_PREFIX) :]
    try:
        raw = base64.b32decode(tail + "======")
    except (binascii.Error, ValueError):
        raise CodeError("not a pickup code", key="code.malformed") from None
    if len(raw) != CODE_BYTES or base64.b32encode(raw).decode("ascii").rstrip("=") != tail:
        raise CodeError("non-canonical pickup code", key="code.malformed")
    return candidate


def code_hash(code: str) -> str:
    """Hex SHA-256 of a (canonical) pickup code: the only form the office and lanes keep."""
    return hashlib.sha256(code.encode("ascii")).hexdigest()


def hash_prefix(hex_hash: str) -> str:
    """A short prefix of a code hash, enough to correlate logs and audit records."""
    return hex_hash[:12]


def new_short_code() -> str:
    """Return a fresh 10-digit short code for manual entry."""
    return f"{secrets.randbelow(10**SHORT_CODE_DIGITS):0{SHORT_CODE_DIGITS}d}"


def short_code_hmac(key: bytes, digits: str) -> str:
    """Hex HMAC-SHA256 of a short code under the office's short-code key."""
    return hmac.new(key, digits.encode("ascii"), hashlib.sha256).hexdigest()


def parse_short_code(text: object) -> str:
    """Return the 10 digits typed in ``text`` (spaces and dashes ignored) or raise ``code.malformed``."""
    if not isinstance(text, str) or len(text) > _MAX_INPUT:
        raise CodeError("not a short code", key="code.malformed")
    digits = _SHORT_SEPARATORS.sub("", text)
    if not _SHORT_RE.fullmatch(digits):
        raise CodeError("not a short code", key="code.malformed")
    return digits


def format_short_code(digits: str) -> str:
    """Group a short code for reading aloud and printing: ``123-456-7890``."""
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"


def derive_short_code(key: bytes, code: str) -> str:
    """The 10-digit short code that belongs to ``code``, derived with the office's secret key.

    Deriving (instead of drawing) lets the slip and the citizen page show the short code from the
    code alone, so the office never has to keep either in readable form.
    """
    digest = hmac.new(key, b"short:" + code.encode("ascii"), hashlib.sha256).digest()
    return str(int.from_bytes(digest[:8], "big") % 10**SHORT_CODE_DIGITS).zfill(SHORT_CODE_DIGITS)
