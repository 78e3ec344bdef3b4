"""The lane Pi's own health: temperature, throttling, disk, memory, clock, uptime, version.

Every probe is optional and never raises: a probe that cannot answer (not a Pi, no
``vcgencmd``, no ``timedatectl``) gives ``None``, which the alert rules read as "unknown", never
as a fault. Paths and commands are parameters so tests can point them at fixtures.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

log = logging.getLogger(__name__)

COMMAND_TIMEOUT_S = 2.0


@dataclass
class HostProbes:
    """Where each probe looks; the defaults are a Raspberry Pi OS machine's."""

    thermal_path: Path = Path("/sys/class/thermal/thermal_zone0/temp")
    meminfo_path: Path = Path("/proc/meminfo")
    uptime_path: Path = Path("/proc/uptime")
    vcgencmd: str = "vcgencmd"
    timedatectl: str = "timedatectl"


def host_health(state_dir: Path, *, probes: HostProbes | None = None) -> dict:
    """One snapshot of the Pi's health; every value may be None when unknown."""
    probes = probes or HostProbes()
    disk = disk_free(state_dir)
    return {
        "cpu_temp_c": cpu_temperature(probes.thermal_path),
        "throttled": throttled(probes.vcgencmd),
        "disk_free_mb": disk[0] if disk else None,
        "disk_free_percent": disk[1] if disk else None,
        "memory_available_mb": memory_available_mb(probes.meminfo_path),
        "clock_synchronised": clock_synchronised(probes.timedatectl),
        "uptime_s": uptime_seconds(probes.uptime_path),
        "version": software_version(),
        "at": time.time(),
    }


def cpu_temperature(path: Path) -> float | None:
    """Degrees Celsius from a sysfs thermal zone (millidegrees in the file)."""
    try:
        return round(int(path.read_text().strip()) / 1000.0, 1)
    except (OSError, ValueError):
        return None


def throttled(vcgencmd: str) -> dict | None:
    """``vcgencmd get_throttled``: the raw flags and whether the Pi is throttled or under-volted now."""
    out = _run([vcgencmd, "get_throttled"])
    if out is None or "=" not in out:
        return None
    try:
        flags = int(out.split("=", 1)[1].strip(), 16)
    except ValueError:
        return None
    return {
        "flags": hex(flags),
        "under_voltage_now": bool(flags & 0x1),
        "throttled_now": bool(flags & 0x4),
        "under_voltage_since_boot": bool(flags & 0x10000),
    }


def disk_free(path: Path) -> tuple[float, float] | None:
    """(free MB, free percent) of the file system holding ``path``."""
    try:
        usage = shutil.disk_usage(path)
    except OSError:
        return None
    if usage.total <= 0:
        return None
    return round(usage.free / 2**20, 1), round(100.0 * usage.free / usage.total, 1)


def memory_available_mb(path: Path) -> float | None:
    try:
        for line in path.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return round(int(line.split()[1]) / 1024.0, 1)
    except (OSError, ValueError, IndexError):
        return None
    return None


def clock_synchronised(timedatectl: str = "timedatectl") -> bool | None:
    """True/False from systemd-timesyncd's view (``NTPSynchronized``), else from adjtimex; None
    when neither can tell. The one probe: the heartbeat and ``ambil doctor`` both ask this."""
    out = _run([timedatectl, "show", "-p", "NTPSynchronized", "--value"])
    if out in ("yes", "no"):
        return out == "yes"
    return _adjtimex_synchronised()


def _adjtimex_synchronised() -> bool | None:
    # adjtimex(2) returns TIME_ERROR (5) while the kernel clock is not synchronised
    try:
        import ctypes
        import ctypes.util

        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        buffer = ctypes.create_string_buffer(512)  # struct timex is ~208 bytes; modes=0 reads only
        state = libc.adjtimex(buffer)
    except (OSError, AttributeError):
        return None
    if state < 0:
        return None
    return state != 5


def uptime_seconds(path: Path) -> float | None:
    try:
        return round(float(path.read_text().split()[0]), 0)
    except (OSError, ValueError, IndexError):
        return None


def software_version() -> str:
    """The installed package's version, else the source tree's pyproject.toml (a git checkout)."""
    try:
        return metadata.version("ambil")
    except metadata.PackageNotFoundError:
        pass
    try:
        import tomllib

        pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
        return str(tomllib.loads(pyproject.read_text())["project"]["version"])
    except (OSError, KeyError, ValueError):
        return "0+unknown"


def _run(argv: list[str]) -> str | None:
    if shutil.which(argv[0]) is None:
        return None
    try:
        done = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT_S,
            check=False,
            env={**os.environ, "LC_ALL": "C"},
        )
    except (OSError, subprocess.SubprocessError) as exc:
        log.debug("probe %s failed: %s", argv[0], exc)
        return None
    if done.returncode != 0:
        return None
    return done.stdout.strip()
