"""A small PNG of a PDF's first page, so staff can see they uploaded the right document.

Rendered by poppler's ``pdftoppm`` in a child process with a timeout (a hostile PDF must not hang
the office), and cached under ``state_dir/previews`` by the PDF's SHA-256: the blob store is
content-addressed, so a cached preview can never belong to other bytes.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from controller.office.blobs import BlobStore

log = logging.getLogger(__name__)

RESOLUTION_DPI = 50  # an A4 page becomes about 413 x 585 px: enough to recognise it


class PreviewUnavailable(Exception):
    """No preview can be made: no PDF stored, no ``pdftoppm``, or it failed or timed out."""


class PreviewCache:
    """First-page previews of blobs in ``blobs``, cached as ``root/<sha256>.png``."""

    def __init__(self, root: Path, blobs: BlobStore, *, timeout: float = 15.0, pdftoppm: str = "pdftoppm"):
        self.root = Path(root)
        self.blobs = blobs
        self.timeout = timeout
        self.pdftoppm = pdftoppm

    def png(self, sha: str | None) -> bytes:
        """The PNG preview of blob ``sha`` (None: the document has no PDF), rendered or cached."""
        if sha is None or not self.blobs.exists(sha):  # exists() refuses all but sha256 hex
            raise PreviewUnavailable("no such PDF")
        cached = self.root / f"{sha}.png"
        if cached.is_file():
            return cached.read_bytes()
        data = self._render(self.blobs.path(sha))
        self._store(cached, data)
        return data

    def _render(self, pdf: Path) -> bytes:
        program = shutil.which(self.pdftoppm)
        if program is None:
            raise PreviewUnavailable("pdftoppm is not installed (poppler-utils)")
        with tempfile.TemporaryDirectory(prefix="ambil-preview-") as work:
            prefix = Path(work) / "page"
            args = [program, "-png", "-r", str(RESOLUTION_DPI), "-f", "1", "-l", "1", "-singlefile"]
            try:
                done = subprocess.run(
                    [*args, str(pdf), str(prefix)], capture_output=True, timeout=self.timeout, check=False
                )
            except subprocess.TimeoutExpired:
                log.warning("pdftoppm took longer than %.0fs; no preview", self.timeout)
                raise PreviewUnavailable("rendering timed out") from None
            output = prefix.with_suffix(".png")
            if done.returncode != 0 or not output.is_file():
                log.warning("pdftoppm failed with exit code %d", done.returncode)
                raise PreviewUnavailable("rendering failed")
            return output.read_bytes()

    def _store(self, target: Path, data: bytes) -> None:
        # write then rename: two requests rendering at once never leave half a file behind
        self.root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".tmp-", suffix=".png")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, target)
        except OSError:
            Path(tmp).unlink(missing_ok=True)
            log.warning("could not cache a preview in %s", self.root)
