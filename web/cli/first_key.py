"""The first admin API key, made at the very first start of an office so the API can be used.

Under systemd, standard output goes to the journal, which many can read and which is kept: there
the key is written to a file only the service user can read (``secrets/first-admin-key.txt``,
mode 0600) and only the file's path is printed. On a terminal it is printed once.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TextIO

KEY_FILE = "first-admin-key.txt"


def make_first_admin_key(system) -> str | None:
    """A new admin key when the office has no live key at all, else None."""
    office = system.office
    if office is None or office.count_api_keys() > 0:
        return None
    return office.create_api_key("admin", label="first-start")


def first_key_line(key: str, state_dir: Path, out: TextIO | None = None) -> str:
    """The banner line that hands the key over: the key itself on a terminal, else its file."""
    out = out or sys.stdout
    if out.isatty():
        return f"  first admin API key (shown once, keep it): {key}"
    path = state_dir / "secrets" / KEY_FILE
    write_private(path, key + "\n")
    return f"  first admin API key: in {path} (only this user can read it; keep the key, delete the file)"


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` as a file of mode 0600, whole or not at all."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # a leftover tmp file may have had another mode
        os.write(fd, text.encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
