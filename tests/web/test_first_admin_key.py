"""The first admin API key at first start: printed only to a terminal; under systemd (stdout a
pipe to the journal) it goes to a file only the service user can read, and only its path is said.

Both run ``ambil serve`` as a real process on a fresh state dir."""

from __future__ import annotations

import os
import re
import select
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

from controller.config import load_config
from controller.office.assemble import build_office

KEY = re.compile(rb"amk_[A-Za-z0-9_-]+")


def _config(tmp_path: Path) -> Path:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = tmp_path / "ambil.toml"
    config.write_text(f'state_dir = "{tmp_path / "state"}"\n[http]\nport = {port}\n')
    return config


def _serve(config: Path, out: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "web.cli", "serve", "--config", str(config)],
        stdout=out,
        stderr=out,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )


def _read_banner(fd: int, timeout: float = 60.0) -> bytes:
    """What the process wrote up to the end of its first-admin-key line."""
    seen = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        match = re.search(rb"first admin[^\n]*\n", seen)
        if match:
            return seen
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # a pty whose other end closed
                break
            if not chunk:
                break
            seen += chunk
    raise AssertionError(f"no first-admin-key line in:\n{seen.decode(errors='replace')}")


def _stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def _is_admin_key(config: Path, key: str) -> bool:
    office, engine = build_office(load_config(config))
    try:
        found = office.lookup_api_key(key)
    finally:
        engine.dispose()
    return bool(found) and found["role"] == "admin"


def test_with_stdout_a_pipe_the_key_goes_to_a_root_only_file(tmp_path):
    config = _config(tmp_path)
    process = _serve(config, subprocess.PIPE)
    try:
        banner = _read_banner(process.stdout.fileno())
    finally:
        _stop(process)
        rest = process.stdout.read()
        process.stdout.close()
    output = banner + rest
    assert not KEY.search(output), output.decode(errors="replace")  # not in the journal
    key_file = tmp_path / "state" / "secrets" / "first-admin-key.txt"
    assert str(key_file).encode() in banner  # the path is said instead
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.stat().st_uid == os.geteuid()
    key = key_file.read_text().strip()
    assert KEY.fullmatch(key.encode()) and _is_admin_key(config, key)


def test_on_a_terminal_the_key_is_printed(tmp_path):
    config = _config(tmp_path)
    master, slave = os.openpty()
    process = _serve(config, slave)
    os.close(slave)
    try:
        banner = _read_banner(master)
    finally:
        _stop(process)
        os.close(master)
    found = KEY.search(banner)
    assert found, banner.decode(errors="replace")
    assert _is_admin_key(config, found.group().decode())
    assert not (tmp_path / "state" / "secrets" / "first-admin-key.txt").exists()
