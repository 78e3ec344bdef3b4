from __future__ import annotations

import base64
import hashlib

import pytest

from controller.kernel.codes import (
    code_hash,
    format_short_code,
    new_code,
    new_short_code,
    parse_code,
    parse_short_code,
    short_code_hmac,
)
from controller.kernel.errors import CodeError


def _malformed(text) -> None:
    with pytest.raises(CodeError) as err:
        parse_code(text)
    assert err.value.key == "code.malformed"


def test_new_code_is_canonical_and_parses():
    codes = {new_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert len(code) == 30 and code.startswith("AMB1")
        assert parse_code(code) == code
        assert len(base64.b32decode(code[4:] + "======")) == 16


def test_parse_strips_surrounding_whitespace():
    code = new_code()
    assert parse_code(f"  {code}\r\n") == code


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello",
        "AMB1",
        "x" * 10_000,
        "AMB1" + "A" * 25,
        "AMB1" + "A" * 27,
        "AMB1 " + "A" * 26,
        "AMB1é" + "A" * 25,
    ],
)
def test_parse_rejects_garbage_and_wrong_length(text):
    _malformed(text)


def test_parse_rejects_lowercase_and_wrong_prefix():
    code = new_code()
    _malformed(code.lower())
    _malformed("AMB2" + code[4:])
    _malformed("XMB1" + code[4:])
    _malformed(code[:4] + code[4:].replace(code[5], "1"))  # 1 is not in the base32 alphabet


def test_parse_rejects_non_canonical_base32_tail():
    # 16 bytes leave 2 padding bits in the last base32 character; they must be zero.
    code = "AMB1" + base64.b32encode(bytes(16)).decode().rstrip("=")
    assert parse_code(code) == code
    assert code.endswith("A")
    _malformed(code[:-1] + "B")  # same bytes if the padding bits were ignored


def test_parse_rejects_non_strings():
    _malformed(None)
    _malformed(b"AMB1" + b"A" * 26)


def test_code_hash_is_sha256_hex():
    code = new_code()
    assert code_hash(code) == hashlib.sha256(code.encode()).hexdigest()


def test_short_codes():
    digits = new_short_code()
    assert len(digits) == 10 and digits.isdigit()
    assert parse_short_code(f" {format_short_code(digits)} ") == digits
    assert parse_short_code("12 34-56 78-90") == "1234567890"
    for bad in ["123456789", "12345678901", "12345abcde", "١٢٣٤٥٦٧٨٩٠", "", None]:
        with pytest.raises(CodeError) as err:
            parse_short_code(bad)
        assert err.value.key == "code.malformed"


def test_short_code_hmac_depends_on_key():
    a = short_code_hmac(b"k" * 32, "1234567890")
    assert a == short_code_hmac(b"k" * 32, "1234567890")
    assert a != short_code_hmac(b"j" * 32, "1234567890")
    assert len(a) == 64
