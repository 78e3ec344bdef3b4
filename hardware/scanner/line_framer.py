"""Cut the byte stream of a serial QR scanner into lines.

Scanners "type" each code followed by a suffix the installer configured: CR, LF, CRLF or TAB.
``LineFramer("auto")`` accepts CR, LF and CRLF alike (the empty piece between CR and LF is
dropped, so a CRLF scanner reads once per code). Lines longer than ``max_line`` bytes without a
suffix (noise, a scanner set to no suffix, a wrong baud rate) are dropped whole, up to the next
suffix, and counted in ``dropped``; their content is never logged (it may be a pickup code).
"""

from __future__ import annotations

import logging
import re

log = logging.getLogger(__name__)

SUFFIXES: dict[str, bytes] = {"cr": b"\r", "lf": b"\n", "crlf": b"\r\n", "tab": b"\t"}
_AUTO = re.compile(rb"\r\n|\r|\n")


class LineFramer:
    """Feed bytes in, get complete, stripped, non-empty lines out (``feed``)."""

    def __init__(self, suffix: str = "auto", *, max_line: int = 4096):
        suffix = suffix.lower()
        if suffix != "auto" and suffix not in SUFFIXES:
            raise ValueError(f"suffix must be auto or one of {', '.join(SUFFIXES)}, not {suffix!r}")
        if max_line < 1:
            raise ValueError("max_line must be >= 1")
        self.suffix = suffix
        self.max_line = max_line
        self.dropped = 0
        self._separator = _AUTO if suffix == "auto" else re.compile(re.escape(SUFFIXES[suffix]))
        self._buffer = bytearray()
        self._discarding = False  # inside an overlong line: drop bytes until the next suffix

    def feed(self, data: bytes) -> list[str]:
        """Add ``data``; return the lines it completed (possibly none), oldest first."""
        self._buffer += data
        pieces = self._separator.split(bytes(self._buffer))
        # The last piece has no suffix yet. A CR at the very end may be the first half of a
        # CRLF in auto mode; splitting there is still right: the LF then ends an empty line.
        self._buffer = bytearray(pieces.pop())
        lines = []
        for piece in pieces:
            if self._discarding:
                self._discarding = False  # this suffix ends the overlong line
                continue
            if len(piece) > self.max_line:
                self._drop(len(piece))
                continue
            text = _to_text(piece).strip()
            if text:
                lines.append(text)
        if len(self._buffer) > self.max_line:
            self._drop(len(self._buffer))
            self._buffer.clear()
            self._discarding = True
        return lines

    def reset(self) -> None:
        """Forget a partial line (the port went away mid-code)."""
        self._buffer.clear()
        self._discarding = False

    def _drop(self, length: int) -> None:
        if not self._discarding:
            self.dropped += 1
            log.warning("serial scanner: dropped a line of %d+ bytes without a suffix", length)


def _to_text(piece: bytes) -> str:
    # Scanners send ASCII (a pickup code is); anything that is not UTF-8 is kept byte for byte.
    try:
        return piece.decode("utf-8")
    except UnicodeDecodeError:
        return piece.decode("latin-1")
