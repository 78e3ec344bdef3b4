"""Logging set-up: one line per event to stdout (journald under systemd), codes redacted.

Modules never log codes, but a redacting filter on the root handler is the last line of defence:
a bearer code in a log would be a working key to a citizen's document.
"""

from __future__ import annotations

import logging
import re
import sys

CODE_PATTERN = re.compile(r"AMB1[A-Z2-7]{20,}")


class RedactCodes(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "AMB1" in message:
            record.msg = CODE_PATTERN.sub("AMB1[redacted]", message)
            record.args = None
        return True


def setup_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactCodes())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("uvicorn.access", "httpx", "httpcore", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
