"""The Kerong KR-CU16 style lock board protocol: frames, checksums and a streaming parser.

Pure functions, no I/O: the serial driver and the board simulator both speak through this module,
so another board's protocol can live in a sibling module with the same functions.

Every frame is ``STX ADDR LOCK CMD [DATA...] ETX SUM``:

======  ========================================================================================
STX     0x02
ADDR    board address 0x00-0x0F (set by the board's DIP switches; several boards share one bus)
LOCK    lock number 0x00-0x0F on that board (lock 0 is the first lock); 0x00 when not used
CMD     0x31 unlock one lock, 0x30 status of the whole board
DATA    replies only, see below
ETX     0x03
SUM     (sum of every previous byte, STX included) & 0xFF
======  ========================================================================================

Requests (host -> board), 6 bytes each:

- unlock: ``02 ADDR LOCK 31 03 SUM``; the board times the unlock pulse itself.
- status: ``02 ADDR 00 30 03 SUM``.

Replies (board -> host):

- unlock, 7 bytes: ``02 ADDR LOCK 31 ST 03 SUM``, the request echoed with one status byte ST:
  0x01 the lock reads unlocked after the pulse, 0x00 it still reads locked (jammed or no such
  lock; the coil may have been driven).
- status, 10 bytes: ``02 ADDR 00 30 L1 L2 S1 S2 03 SUM``. ``L1 L2`` are the lock bits, ``S1 S2``
  the door sensor bits, both little-endian: bit n of ``L1 | L2 << 8`` set means lock n (0-based;
  door n+1 of the board) is unlocked, and of ``S1 | S2 << 8`` that its door is open.

Data bytes may hold 0x02 or 0x03, so frames are delimited by their length, which the command byte
fixes (one table for requests, one for replies), and checked by their ETX position and checksum.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

STX = 0x02
ETX = 0x03
CMD_STATUS = 0x30
CMD_UNLOCK = 0x31
MAX_ADDR = 0x0F
LOCKS_PER_BOARD = 16

UNLOCK_OK = 0x01  # the lock reads unlocked after the pulse
UNLOCK_STILL_LOCKED = 0x00

REQUEST_LENGTHS: Mapping[int, int] = {CMD_STATUS: 6, CMD_UNLOCK: 6}
REPLY_LENGTHS: Mapping[int, int] = {CMD_STATUS: 10, CMD_UNLOCK: 7}
HEADER_LENGTH = 4  # STX ADDR LOCK CMD: enough to know a frame's length


class FrameError(ValueError):
    """Bytes that started like a frame but are not a valid one (bad checksum, short, no ETX).

    ``raw`` holds the offending bytes, for logs and tests.
    """

    def __init__(self, message: str, raw: bytes = b"") -> None:
        super().__init__(message)
        self.raw = raw


@dataclass(frozen=True)
class Frame:
    """One validated frame; ``data`` is what lies between CMD and ETX."""

    addr: int
    lock: int
    cmd: int
    data: bytes
    raw: bytes


@dataclass(frozen=True)
class BoardStatus:
    """A board's status reply: ``locks[n]`` lock n unlocked, ``sensors[n]`` door of lock n open."""

    addr: int
    locks: list[bool]
    sensors: list[bool]


@dataclass(frozen=True)
class UnlockReply:
    """A board's answer to an unlock: ``unlocked`` False means the lock still reads locked."""

    addr: int
    lock: int
    unlocked: bool


# -- encoding ---------------------------------------------------------------------------------


def checksum(data: bytes) -> int:
    """The frame checksum: the low byte of the sum of ``data``."""
    return sum(data) & 0xFF


def _check_addr(addr: int) -> None:
    if isinstance(addr, bool) or not isinstance(addr, int) or not 0 <= addr <= MAX_ADDR:
        raise ValueError(f"board address must be 0..{MAX_ADDR}, got {addr!r}")


def _check_lock(lock: int) -> None:
    if isinstance(lock, bool) or not isinstance(lock, int) or not 0 <= lock < LOCKS_PER_BOARD:
        raise ValueError(f"lock number must be 0..{LOCKS_PER_BOARD - 1}, got {lock!r}")


def encode_frame(addr: int, lock: int, cmd: int, data: bytes = b"") -> bytes:
    """``STX ADDR LOCK CMD DATA ETX SUM`` with the checksum filled in."""
    _check_addr(addr)
    _check_lock(lock)
    body = bytes([STX, addr, lock, cmd]) + bytes(data) + bytes([ETX])
    return body + bytes([checksum(body)])


def encode_unlock(addr: int, lock: int) -> bytes:
    """The request that unlocks ``lock`` (0-based) of board ``addr``."""
    return encode_frame(addr, lock, CMD_UNLOCK)


def encode_status(addr: int) -> bytes:
    """The request for the lock and sensor bits of board ``addr``."""
    return encode_frame(addr, 0, CMD_STATUS)


def encode_unlock_reply(addr: int, lock: int, unlocked: bool) -> bytes:
    """A board's reply to an unlock (used by the simulator)."""
    return encode_frame(addr, lock, CMD_UNLOCK, bytes([UNLOCK_OK if unlocked else UNLOCK_STILL_LOCKED]))


def _bits_to_bytes(bits: Sequence[bool]) -> bytes:
    if len(bits) > LOCKS_PER_BOARD:
        raise ValueError(f"at most {LOCKS_PER_BOARD} bits, got {len(bits)}")
    value = sum(1 << n for n, bit in enumerate(bits) if bit)
    return value.to_bytes(2, "little")


def _bytes_to_bits(data: bytes) -> list[bool]:
    value = int.from_bytes(data, "little")
    return [bool(value >> n & 1) for n in range(LOCKS_PER_BOARD)]


def encode_status_reply(addr: int, locks: Sequence[bool], sensors: Sequence[bool]) -> bytes:
    """A board's status reply (used by the simulator); missing bits read as locked / closed."""
    return encode_frame(addr, 0, CMD_STATUS, _bits_to_bytes(locks) + _bits_to_bytes(sensors))


# -- decoding ---------------------------------------------------------------------------------


def decode_status(frame: Frame) -> BoardStatus:
    """The lock and sensor bits of a status reply; ``FrameError`` for any other frame."""
    if frame.cmd != CMD_STATUS or len(frame.data) != 4:
        raise FrameError(f"not a status reply: {frame.raw.hex(' ')}", frame.raw)
    return BoardStatus(frame.addr, _bytes_to_bits(frame.data[:2]), _bytes_to_bits(frame.data[2:]))


def decode_unlock_reply(frame: Frame) -> UnlockReply:
    """The outcome in an unlock reply; ``FrameError`` for any other frame."""
    if frame.cmd != CMD_UNLOCK or len(frame.data) != 1:
        raise FrameError(f"not an unlock reply: {frame.raw.hex(' ')}", frame.raw)
    return UnlockReply(frame.addr, frame.lock, frame.data[0] == UNLOCK_OK)


def status_reply_for(frame: Frame, addr: int) -> BoardStatus | None:
    """The status in ``frame`` if it answers a status query to ``addr``, else None."""
    if frame.cmd != CMD_STATUS or frame.addr != addr:
        return None
    return decode_status(frame)


def unlock_reply_for(frame: Frame, addr: int, lock: int) -> UnlockReply | None:
    """The outcome in ``frame`` if it answers an unlock of ``addr``/``lock``, else None."""
    if frame.cmd != CMD_UNLOCK or frame.addr != addr or frame.lock != lock:
        return None
    return decode_unlock_reply(frame)


class FrameParser:
    """Turns bytes, as they arrive in any chunks, into validated frames.

    Bytes before an STX, and an STX whose header cannot start a frame (address or lock out of
    range, unknown command), are skipped as line noise and counted in ``skipped``. A frame whose
    header is plausible but whose ETX or checksum is wrong raises ``FrameError`` and is dropped,
    so the next call goes on with the bytes after it. A frame cut short is only detectable when
    nothing more comes: ``finish()`` raises ``FrameError`` for such a pending partial frame.
    """

    def __init__(self, lengths: Mapping[int, int]) -> None:
        self._lengths = dict(lengths)
        self._buffer = bytearray()
        self.skipped = 0

    @classmethod
    def for_replies(cls) -> FrameParser:
        """A parser for what boards send."""
        return cls(REPLY_LENGTHS)

    @classmethod
    def for_requests(cls) -> FrameParser:
        """A parser for what the host sends (the simulator's side)."""
        return cls(REQUEST_LENGTHS)

    @property
    def pending(self) -> int:
        """How many bytes are buffered waiting for the rest of a frame."""
        return len(self._buffer)

    def feed(self, data: bytes) -> Iterator[Frame]:
        """Buffer ``data`` now, and return an iterator over the frames now complete.

        The iterator raises ``FrameError`` for a bad frame; iterate ``feed(b"")`` to go on after it.
        """
        self._buffer += data
        return self._drain()

    def _drain(self) -> Iterator[Frame]:
        while (frame := self.next_frame()) is not None:
            yield frame

    def next_frame(self) -> Frame | None:
        """The next complete frame in the buffer, or None until more bytes arrive."""
        buffer = self._buffer
        while True:
            start = buffer.find(STX)
            if start < 0:
                self.skipped += len(buffer)
                buffer.clear()
                return None
            if start:
                self.skipped += start
                del buffer[:start]
            if len(buffer) < HEADER_LENGTH:
                return None
            length = self._lengths.get(buffer[3])
            if length is None or buffer[1] > MAX_ADDR or buffer[2] >= LOCKS_PER_BOARD:
                self.skipped += 1
                del buffer[:1]
                continue
            if len(buffer) < length:
                return None
            raw = bytes(buffer[:length])
            if raw[-2] != ETX:
                # A frame cut short and followed by other bytes: drop only its STX, so a good frame
                # that starts inside these bytes is still found.
                del buffer[:1]
                raise FrameError(f"short or malformed frame (no ETX at byte {length - 1})", raw)
            del buffer[:length]
            if checksum(raw[:-1]) != raw[-1]:
                raise FrameError(f"bad checksum {raw[-1]:#04x}, expected {checksum(raw[:-1]):#04x}", raw)
            return Frame(addr=raw[1], lock=raw[2], cmd=raw[3], data=raw[4:-2], raw=raw)

    def finish(self) -> None:
        """Declare the input ended (a read timed out): a partial frame pending is an error.

        Clears the buffer; raises ``FrameError`` if it held the start of a frame.
        """
        rest = bytes(self._buffer)
        self._buffer.clear()
        start = rest.find(STX)
        if start >= 0:
            self.skipped += start
            raise FrameError(f"short frame: {len(rest) - start} bytes then silence", rest[start:])
        self.skipped += len(rest)

    def reset(self) -> None:
        """Forget everything buffered (before a new request on the bus)."""
        self._buffer.clear()
