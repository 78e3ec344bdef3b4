"""The Kerong frame codec: exact bytes, checksums, status bits and the streaming parser."""

from __future__ import annotations

import pytest

from hardware.locker import kerong_codec as codec
from hardware.locker.kerong_codec import FrameError, FrameParser


def parse_all(parser: FrameParser, data: bytes) -> list[codec.Frame]:
    return list(parser.feed(data))


def test_unlock_and_status_requests_are_the_documented_bytes():
    # 02 ADDR LOCK 31 03 SUM, SUM = 0x02 + 0x03 + 0x05 + 0x31 + 0x03 = 0x3E
    assert codec.encode_unlock(3, 5) == bytes.fromhex("02 03 05 31 03 3e")
    # 02 ADDR 00 30 03 SUM, SUM = 0x02 + 0x01 + 0x30 + 0x03 = 0x36
    assert codec.encode_status(1) == bytes.fromhex("02 01 00 30 03 36")


def test_checksum_keeps_the_low_byte_of_the_sum():
    reply = codec.encode_status_reply(0x0F, [True] * 16, [True] * 16)
    assert reply == bytes.fromhex("02 0f 00 30 ff ff ff ff 03 40")  # 0x440 & 0xFF
    assert codec.checksum(b"\xff\x02") == 0x01


@pytest.mark.parametrize(("addr", "lock"), [(-1, 0), (16, 0), (0, 16), (0, -1), (True, 0)])
def test_addresses_and_locks_out_of_range_are_refused(addr, lock):
    with pytest.raises(ValueError):
        codec.encode_unlock(addr, lock)


def test_status_reply_round_trip_keeps_every_bit_in_place():
    locks = [n in (0, 9, 15) for n in range(16)]
    sensors = [n in (1, 8) for n in range(16)]
    raw = codec.encode_status_reply(7, locks, sensors)
    assert raw[4:8] == bytes([0b0000_0001, 0b1000_0010, 0b0000_0010, 0b0000_0001])  # little-endian
    (frame,) = parse_all(FrameParser.for_replies(), raw)
    status = codec.decode_status(frame)
    assert status == codec.BoardStatus(7, locks, sensors)


def test_unlock_reply_round_trip():
    parser = FrameParser.for_replies()
    opened, jammed = parse_all(
        parser, codec.encode_unlock_reply(2, 4, True) + codec.encode_unlock_reply(2, 5, False)
    )
    assert codec.decode_unlock_reply(opened) == codec.UnlockReply(2, 4, True)
    assert codec.decode_unlock_reply(jammed) == codec.UnlockReply(2, 5, False)
    assert codec.unlock_reply_for(opened, 2, 4) == codec.UnlockReply(2, 4, True)
    assert codec.unlock_reply_for(opened, 2, 5) is None  # answers another lock
    assert codec.status_reply_for(opened, 2) is None
    with pytest.raises(FrameError):
        codec.decode_status(opened)


def test_request_parser_reads_what_the_host_sends():
    frames = parse_all(FrameParser.for_requests(), codec.encode_unlock(1, 2) + codec.encode_status(3))
    assert [(f.addr, f.lock, f.cmd) for f in frames] == [(1, 2, codec.CMD_UNLOCK), (3, 0, codec.CMD_STATUS)]


def test_garbage_before_a_frame_is_skipped():
    parser = FrameParser.for_replies()
    garbage = b"\xff\x00\x13\x02\x99\x42\x30"  # includes an STX whose header cannot be a frame
    (frame,) = parse_all(parser, garbage + codec.encode_unlock_reply(1, 3, True))
    assert (frame.addr, frame.lock, frame.cmd, frame.data) == (1, 3, codec.CMD_UNLOCK, b"\x01")
    assert parser.skipped == len(garbage)
    assert parser.pending == 0


def test_a_frame_split_across_reads_comes_out_once_complete():
    parser = FrameParser.for_replies()
    raw = codec.encode_status_reply(4, [True, False, True], [False, True])
    for byte in raw[:-1]:
        assert parse_all(parser, bytes([byte])) == []
    (frame,) = parse_all(parser, raw[-1:])
    assert frame.raw == raw


def test_data_bytes_that_look_like_stx_and_etx_do_not_split_a_frame():
    locks = [True, True, False, False, False, False, False, False, False, True]  # 0x03 0x02
    raw = codec.encode_status_reply(2, locks, locks)
    assert raw[4:6] == b"\x03\x02"
    (frame,) = parse_all(FrameParser.for_replies(), raw)
    assert codec.decode_status(frame).locks[:10] == locks


def test_bad_checksum_raises_and_the_next_frame_still_parses():
    parser = FrameParser.for_replies()
    good = codec.encode_unlock_reply(1, 1, True)
    bad = good[:-1] + bytes([good[-1] ^ 0xFF])
    frames = parser.feed(bad + good)
    with pytest.raises(FrameError, match="checksum") as caught:
        next(frames)
    assert caught.value.raw == bad
    assert parse_all(parser, b"") == [codec.Frame(1, 1, codec.CMD_UNLOCK, b"\x01", good)]


def test_short_frame_followed_by_another_is_rejected_not_guessed():
    parser = FrameParser.for_replies()
    full = codec.encode_status_reply(3, [True], [True])
    body = full[:-3] + bytes([codec.ETX])  # last sensor byte missing, checksum "valid" for it
    short = body + bytes([codec.checksum(body)])
    good = codec.encode_unlock_reply(3, 0, True)
    frames = parser.feed(short + good)
    with pytest.raises(FrameError, match="short"):
        next(frames)
    (frame,) = parse_all(parser, b"")
    assert frame.raw == good


def test_short_frame_then_silence_is_rejected_by_finish():
    parser = FrameParser.for_replies()
    full = codec.encode_unlock_reply(0, 0, True)
    body = full[:-3] + bytes([codec.ETX])
    assert parse_all(parser, body + bytes([codec.checksum(body)])) == []  # waits for the 7th byte
    with pytest.raises(FrameError, match="short"):
        parser.finish()
    assert parser.pending == 0
    parser.finish()  # nothing pending any more: no error


def test_finish_after_plain_noise_is_not_an_error():
    parser = FrameParser.for_replies()
    assert parse_all(parser, b"\x00\xff\x13") == []
    parser.finish()
    assert parser.skipped == 3
