"""systemd/: every unit passes `systemd-analyze verify`, the lane unit's exposure is at most 4.0,
the install script passes `bash -n` and shellcheck, the udev rules parse, and the decode path runs
under MemoryDenyWriteExecute (the kernel's PR_SET_MDWE, which systemd uses for that option).

`verify` needs each ExecStart binary to exist: the units name /opt/ambil/.venv/bin/ambil and
/usr/bin/cage, so the test verifies copies in a temp dir where those paths point at a stub.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.rigs.unavailable import rig_unavailable

ROOT = Path(__file__).resolve().parents[1]
SYSTEMD = ROOT / "systemd"
UNITS = ("ambil-lane.service", "ambil-office.service", "ambil-kiosk.service")
MAX_EXPOSURE = 4.0


def tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        rig_unavailable(
            f"{name} is not installed (apt-get install {'systemd' if 'systemd' in name else name})"
        )
    return found


@pytest.fixture(scope="module")
def units(tmp_path_factory) -> dict[str, Path]:
    """The units, copied with ExecStart binaries that exist here."""
    folder = tmp_path_factory.mktemp("units")
    stub = folder / "stub"
    stub.write_text("#!/bin/sh\nexit 0\n")
    stub.chmod(0o755)
    copies = {}
    for name in UNITS:
        text = (SYSTEMD / name).read_text()
        text = text.replace("/opt/ambil/.venv/bin/ambil", str(stub))
        if not Path("/usr/bin/cage").exists():
            text = text.replace("/usr/bin/cage", str(stub))
        (folder / name).write_text(text)
        copies[name] = folder / name
    return copies


@pytest.mark.parametrize("name", UNITS)
def test_every_unit_passes_systemd_analyze_verify(units, name):
    analyze = tool("systemd-analyze")
    result = subprocess.run(
        [analyze, "verify", "--man=no", str(units[name])], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr
    print(f"systemd-analyze verify {name}: ok")


@pytest.mark.parametrize("name", ("ambil-lane.service", "ambil-office.service"))
def test_the_service_exposure_is_at_most_4(units, name):
    analyze = tool("systemd-analyze")
    result = subprocess.run(
        [analyze, "security", "--offline=true", "--no-pager", str(units[name])],
        capture_output=True,
        text=True,
        timeout=60,
    )
    match = re.search(r"Overall exposure level for \S+: (\d+(?:\.\d+)?)", result.stdout)
    if match is None:
        rig_unavailable(f"systemd-analyze security --offline gave no figure: {result.stderr.strip()[:300]}")
    exposure = float(match.group(1))
    print(f"systemd-analyze security {name}: exposure {exposure}")
    assert exposure <= MAX_EXPOSURE, result.stdout


def test_lane_and_office_units_are_hardened_as_required():
    for name in ("ambil-lane.service", "ambil-office.service"):
        text = (SYSTEMD / name).read_text()
        for line in (
            "Type=notify",
            "WatchdogSec=15",
            "Restart=on-failure",
            "User=ambil",
            "ProtectSystem=strict",
            "StateDirectory=ambil",
            "CapabilityBoundingSet=\n",
            "SystemCallFilter=@system-service",
            "MemoryDenyWriteExecute=yes",
            "DevicePolicy=closed",
        ):
            assert line in text, f"{name}: {line.strip()}"
    lane = (SYSTEMD / "ambil-lane.service").read_text()
    assert "ExecStopPost=/opt/ambil/.venv/bin/ambil lane safe-off --config" in lane
    for device in ("char-gpiochip", "char-ttyUSB", "char-ttyACM", "char-video4linux"):
        assert f"DeviceAllow={device} rw" in lane


def test_install_script_passes_bash_n_and_shellcheck():
    script = SYSTEMD / "install-pi.sh"
    assert os.access(script, os.X_OK)
    result = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    shellcheck = tool("shellcheck")
    result = subprocess.run([shellcheck, str(script)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout


RULE_KEY = re.compile(r'^(?:[A-Z_]+(?:\{[A-Za-z0-9_.-]+\})?)(==|!=|\+=|-=|:=|=)"[^"]*"$')


def test_udev_rules_parse_including_the_commented_examples():
    rules = (SYSTEMD / "99-ambil.rules").read_text().splitlines()
    examples = [line[1:] for line in rules if line.startswith("#SUBSYSTEM")]
    active = [line for line in rules if line.strip() and not line.startswith("#")]
    assert len(examples) >= 8 and active
    for line in active + examples:
        for part in (p.strip() for p in line.split(", ")):
            assert RULE_KEY.match(part), f"bad udev key {part!r} in: {line}"
    names = " ".join(examples)
    assert 'SYMLINK+="ambil-scanner"' in names and 'SYMLINK+="ambil-lockboard"' in names
    assert all('GROUP="dialout", MODE="0660"' in line for line in examples if "tty" in line)
    assert any('GROUP="gpio"' in line and "gpiochip" in line for line in active)


MDWE_PROBE = r"""
import ctypes, glob, sys
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(65, 1, 0, 0, 0) != 0:  # PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN
    print("unsupported"); sys.exit(3)
import cv2, numpy
from hardware.scanner.decoder import QrDecoder
texts = QrDecoder().decode_file(sys.argv[1])
print(texts)
sys.exit(0 if texts else 1)
"""


def test_the_decode_path_runs_with_memory_deny_write_execute():
    image = next(iter(sorted((ROOT / "tests" / "data" / "qr-corpus").glob("qrcode-2/*.png"))))
    result = subprocess.run(
        [sys.executable, "-c", MDWE_PROBE, str(image)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    if result.returncode == 3:
        pytest.skip("this kernel has no PR_SET_MDWE (Linux >= 6.3)")
    assert result.returncode == 0, result.stderr + result.stdout
