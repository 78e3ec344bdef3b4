"""A content-addressed file store for uploaded PDFs: a file's name is the SHA-256 of its bytes."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

_SHA_RE = re.compile(r"[0-9a-f]{64}", re.ASCII)


class BlobCorrupted(Exception):
    """A stored blob no longer matches its hash (disk fault or tampering)."""


class BlobStore:
    """Files under ``root/<first two hex>/<sha256>``; writes are atomic and durable, reads verified."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, sha: str) -> Path:
        """Where the blob ``sha`` lives (whether or not it exists); refuses anything but 64 hex."""
        if not isinstance(sha, str) or not _SHA_RE.fullmatch(sha):
            raise ValueError("not a sha256 hex digest")
        return self.root / sha[:2] / sha

    def put(self, data: bytes) -> str:
        """Store ``data`` and return its sha256 hex; storing the same bytes again is a no-op."""
        sha = hashlib.sha256(data).hexdigest()
        target = self.path(sha)
        if target.exists():
            return sha
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        # fsync the folder too, so the new name survives a power cut.
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        log.debug("stored blob %s (%d bytes)", sha[:12], len(data))
        return sha

    def get(self, sha: str) -> bytes:
        """The bytes of blob ``sha``; FileNotFoundError if absent, BlobCorrupted if they changed."""
        data = self.path(sha).read_bytes()
        if hashlib.sha256(data).hexdigest() != sha:
            raise BlobCorrupted(f"blob {sha[:12]} does not match its hash")
        return data

    def exists(self, sha: str) -> bool:
        """Whether blob ``sha`` is stored."""
        return self.path(sha).is_file()
