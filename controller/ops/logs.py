"""Logging set-up: one line per event to stdout (journald under systemd), codes redacted.

Modules never log codes, but a redacting filter on the root handler is the last line of defence:
a bearer code in a log would be a working key to a citizen's document.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from collections import deque

CODE_PATTERN = re.compile(r"AMB1[A-Z2-7]{20,}")


class RedactCodes(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "AMB1" in message:
            record.msg = CODE_PATTERN.sub("AMB1[redacted]", message)
            record.args = None
        return True


class RecentLines(logging.Handler):
    """Keeps the last ``size`` WARNING+ lines (codes already redacted) for the lane's heartbeat."""

    def __init__(self, size: int = 20, level: int = logging.WARNING):
        super().__init__(level)
        self._lines: deque[dict] = deque(maxlen=size)
        self._guard = threading.Lock()
        self.addFilter(RedactCodes())

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = {
                "at": record.created,
                "level": record.levelname,
                "logger": record.name,
                "message": CODE_PATTERN.sub("AMB1[redacted]", record.getMessage())[:500],
            }
        except Exception:  # noqa: BLE001 - a bad log call must never break the caller
            return
        with self._guard:
            self._lines.append(line)

    def lines(self) -> list[dict]:
        with self._guard:
            return list(self._lines)


def recent_log_lines() -> list[dict]:
    """The recent WARNING+ lines kept by the root logger's ``RecentLines`` handler (none if absent)."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler, RecentLines):
            return handler.lines()
    return []


def setup_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactCodes())
    root = logging.getLogger()
    root.handlers[:] = [handler, RecentLines()]
    root.setLevel(level)
    for noisy in ("uvicorn.access", "httpx", "httpcore", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
