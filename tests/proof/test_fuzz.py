"""Suite 5a, fuzzing the parsers: random input never crashes them, bad input is a typed error.

hypothesis drives the pickup-code and short-code parsers, the lock board's frame parser, the
serial scanner's line framer and the config loader (TOML text and parsed dicts). Examples per
target: 1,000 by default, 10,000 with ``--slow``.
"""

from __future__ import annotations

import base64
import string
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from controller.config import Config, ConfigError, load_config, parse_config
from controller.kernel.codes import new_code, parse_code, parse_short_code
from controller.kernel.errors import CodeError
from hardware.locker.kerong_codec import (
    FrameError,
    FrameParser,
    checksum,
    encode_status,
    encode_status_reply,
    encode_unlock,
    encode_unlock_reply,
)
from hardware.scanner.line_framer import LineFramer

EXAMPLE_CONFIG = Path(__file__).resolve().parents[2] / "systemd" / "ambil.example.toml"


@pytest.fixture
def fuzz(size, figures):
    """``fuzz(name, strategy, check)`` runs ``check`` over the examples, then records the count."""

    def run(name: str, strategy, check) -> None:
        examples = size(1000, 10_000)
        seen = [0]

        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            derandomize=size(True, False),  # CI: the same cases every run; --slow: new ones
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        @given(strategy)
        def property_holds(value):
            seen[0] += 1
            check(value)

        property_holds()
        figures(f"{name}: {seen[0]} cases, no crash, every bad input a typed error")

    return run


def _mutations(code: str):
    """Codes with one edit: a case flip, a dropped, swapped or replaced character, padding."""
    return st.one_of(
        st.just(code),
        st.just(code.lower()),
        st.just(code + "="),
        st.integers(0, len(code) - 1).map(lambda i: code[:i] + code[i + 1 :]),
        st.tuples(st.integers(0, len(code) - 1), st.characters()).map(
            lambda t: code[: t[0]] + t[1] + code[t[0] + 1 :]
        ),
        st.text().map(lambda pad: pad + code + pad),
    )


CODE_TEXT = st.one_of(
    st.text(),
    st.text(alphabet=string.ascii_uppercase + "234567=", min_size=26, max_size=34).map(lambda t: "AMB1" + t),
    st.builds(new_code).flatmap(_mutations),
    st.binary().map(lambda b: "AMB1" + base64.b32encode(b).decode()),
)


def check_code(text) -> None:
    try:
        code = parse_code(text)
    except CodeError as exc:
        assert exc.key == "code.malformed"
        return
    # accepted: one canonical spelling that round-trips and carries 16 bytes
    assert code == text.strip() and len(code) == 30 and code.startswith("AMB1")
    assert parse_code(code) == code
    assert len(base64.b32decode(code[4:] + "======")) == 16


def test_code_parser(fuzz):
    fuzz("parse_code", st.one_of(CODE_TEXT, st.integers(), st.none(), st.binary()), check_code)


def check_short(text) -> None:
    try:
        digits = parse_short_code(text)
    except CodeError as exc:
        assert exc.key == "code.malformed"
        return
    assert len(digits) == 10 and digits.isascii() and digits.isdigit()


SHORT_TEXT = st.one_of(
    st.text(),
    st.text(alphabet="0123456789 -", max_size=20),
    st.text(alphabet=string.digits + "٠١٢٣٤٥٦٧٨٩０１２３ \t-", min_size=8, max_size=14),
    st.integers(),
    st.none(),
)


def test_short_code_parser(fuzz):
    fuzz("parse_short_code", SHORT_TEXT, check_short)


GOOD_FRAMES = st.one_of(
    st.builds(
        encode_status_reply,
        st.integers(0, 15),
        st.lists(st.booleans(), max_size=16),
        st.lists(st.booleans(), max_size=16),
    ),
    st.builds(encode_unlock_reply, st.integers(0, 15), st.integers(0, 15), st.booleans()),
)
NOISY_STREAM = st.lists(st.one_of(st.binary(max_size=40), GOOD_FRAMES, st.just(b"\x02")), max_size=12)


def check_frames(pieces) -> None:
    parser = FrameParser.for_replies()
    frames = []
    for piece in pieces:
        stream = parser.feed(piece)
        while True:
            try:
                frame = next(stream)
            except StopIteration:
                break
            except FrameError:
                stream = parser.feed(b"")  # the documented way to go on after a bad frame
                continue
            frames.append(frame)
    try:
        parser.finish()
    except FrameError:
        pass
    assert parser.pending == 0
    for frame in frames:  # every frame handed out is whole and its checksum holds
        assert frame.raw[0] == 0x02 and frame.raw[-2] == 0x03
        assert frame.raw[-1] == checksum(frame.raw[:-1])


def check_clean_frames(frames) -> None:
    """Good frames back to back, cut into arbitrary chunks, all come out unchanged."""
    data = b"".join(frames)
    parser = FrameParser.for_replies()
    out = []
    for start in range(0, len(data), 3):
        out.extend(frame.raw for frame in parser.feed(data[start : start + 3]))
    parser.finish()
    assert out == list(frames)


def test_lock_board_frame_parser(fuzz):
    fuzz("kerong FrameParser (noise)", NOISY_STREAM, check_frames)


def test_lock_board_frame_parser_keeps_good_frames(fuzz):
    fuzz("kerong FrameParser (clean)", st.lists(GOOD_FRAMES, max_size=8), check_clean_frames)


def test_request_frames_from_the_host_parse(fuzz):
    def check(pair):
        addr, lock = pair
        parser = FrameParser.for_requests()
        frames = list(parser.feed(encode_unlock(addr, lock) + encode_status(addr)))
        assert [f.addr for f in frames] == [addr, addr]

    fuzz("kerong request frames", st.tuples(st.integers(0, 15), st.integers(0, 15)), check)


FORBIDDEN_IN_LINE = {"auto": ("\r", "\n"), "cr": ("\r",), "lf": ("\n",), "crlf": ("\r\n",), "tab": ("\t",)}


def check_lines(args) -> None:
    suffix, max_line, chunks = args
    framer = LineFramer(suffix, max_line=max_line)
    for chunk in chunks:
        for line in framer.feed(chunk):
            assert line and line == line.strip()
            assert not any(separator in line for separator in FORBIDDEN_IN_LINE[suffix])
            assert len(line) <= max_line  # never more characters than bytes allowed


def test_scanner_line_framer(fuzz):
    chunks = st.lists(
        st.one_of(st.binary(max_size=64), st.sampled_from([b"\r", b"\n", b"\r\n", b"\t"])), max_size=20
    )
    args = st.tuples(st.sampled_from(["auto", "cr", "lf", "crlf", "tab"]), st.integers(1, 64), chunks)
    fuzz("LineFramer", args, check_lines)


# -- config ---------------------------------------------------------------------------------
KEYS = [
    "role",
    "state_dir",
    "http",
    "host",
    "port",
    "office",
    "database_url",
    "lane",
    "id",
    "name",
    "printer",
    "type",
    "sim",
    "cups",
    "queue",
    "lockers",
    "doors",
    "scanner",
    "camera",
    "pulse_ms",
    "notify",
    "channel",
    "signals",
    "gpio",
    "relay_pins",
    "dedupe_seconds",
    "x",
    "",
]
SCALARS = st.one_of(
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True),
    st.booleans(),
    st.text(max_size=20),
    st.sampled_from(["sim", "cups", "gpio", "serial", "none", "camera", "all-in-one", "lane", "office"]),
)
TREES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), children, max_size=5),
    ),
    max_leaves=25,
)


def check_parsed(data) -> None:
    try:
        config = parse_config(data)
    except ConfigError as exc:
        assert exc.problems and all(isinstance(p, str) and ": " in p for p in exc.problems)
        return
    assert isinstance(config, Config)


def test_config_from_parsed_dicts(fuzz):
    fuzz("parse_config (dicts)", st.dictionaries(st.sampled_from(KEYS), TREES, max_size=6), check_parsed)


def test_config_from_random_toml_text(fuzz, tmp_path):
    example = (
        EXAMPLE_CONFIG.read_text(encoding="utf-8") if EXAMPLE_CONFIG.exists() else 'role = "all-in-one"\n'
    )
    target = tmp_path / "ambil.toml"

    def mutate(args):
        position, cut, insert = args
        position %= len(example) + 1
        return example[:position] + insert + example[position + cut :]

    texts = st.one_of(
        st.text(max_size=200),
        st.tuples(st.integers(0, 10**6), st.integers(0, 30), st.text(max_size=30)).map(mutate),
    )

    def check(text):
        target.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            config = load_config(target)
        except ConfigError as exc:
            assert exc.problems
            return
        assert isinstance(config, Config)
        # it loaded, so the file was valid TOML (read back as the loader reads it: a lone "\r"
        # becomes a newline in text mode)
        tomllib.loads(target.read_text(encoding="utf-8"))

    fuzz("load_config (TOML text)", texts, check)
