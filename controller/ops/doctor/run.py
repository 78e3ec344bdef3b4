"""``ambil doctor``: checks a lane or office on the spot and says what is wrong and how to fix it.

One line per check, ``OK``, ``WARN`` or ``FAIL``, and for each problem a concrete fix. Checks:
the configuration (load and validate), each configured device (printer queue, serial ports,
camera, GPIO), the office connection (role lane), the clock and the disk. Exit status 1 when any
check fails. The device checks open the real devices, so a running lane may hold some of them:
run it with the service stopped for a full answer (the message says so where it matters).
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from controller.config import Config

log = logging.getLogger(__name__)

OK, WARN, FAIL = "OK", "WARN", "FAIL"


@dataclass
class Finding:
    """The result of one check; ``fix`` says what to do when it is not OK."""

    status: str
    name: str
    message: str
    fix: str = ""


def check_config(path: Path | None) -> tuple[Config | None, list[Finding]]:
    """Load and validate the config; the Config (None when unusable) and what was found."""
    from controller.config import ConfigError, load_config

    where = str(path) if path else "(built-in all-in-one default)"
    try:
        config = load_config(path)
    except ConfigError as exc:
        findings = [
            Finding(
                FAIL,
                "config",
                f"{exc.source}: {problem}",
                f"edit {exc.source}, then `ambil config check {exc.source}`",
            )
            for problem in exc.problems
        ]
        return None, findings
    return config, [Finding(OK, "config", f"{where} is valid (role {config.role})")]


def run_checks(config_path: Path | None, *, now: datetime | None = None) -> list[Finding]:
    """Every check, in order; a check that crashes becomes a FAIL naming the crash."""
    from controller.ops.doctor import devices as doctor_devices
    from controller.ops.doctor import system as doctor_system

    config, findings = check_config(config_path)
    steps = []
    if config is not None:
        steps += [
            lambda: doctor_devices.device_findings(config),
            lambda: doctor_system.office_findings(config),
        ]
    state_dir = getattr(config, "state_dir", None)
    steps += [
        lambda: doctor_system.clock_findings(now=now, state_dir=state_dir),
        lambda: doctor_system.disk_findings(state_dir),
    ]
    for step in steps:
        try:
            findings.extend(step())
        except Exception as exc:  # a doctor that crashes tells nobody anything
            log.debug("doctor check crashed", exc_info=True)
            findings.append(
                Finding(
                    FAIL,
                    "doctor",
                    f"a check crashed: {type(exc).__name__}: {exc}",
                    "report this with the output of `ambil doctor`",
                )
            )
    return findings


def print_report(findings: list[Finding], out: TextIO | None = None) -> int:
    """Print one line per finding (and its fix); returns the exit status (1 on any FAIL)."""
    out = out or sys.stdout
    width = max((len(f.name) for f in findings), default=8)
    for finding in findings:
        print(f"{finding.status:4}  {finding.name:{width}}  {finding.message}", file=out)
        if finding.fix and finding.status != OK:
            print(f"{'':4}  {'':{width}}  fix: {finding.fix}", file=out)
    fails = sum(f.status == FAIL for f in findings)
    warns = sum(f.status == WARN for f in findings)
    print(f"\n{fails} failed, {warns} warning(s), {len(findings) - fails - warns} ok", file=out)
    return 1 if fails else 0


def parse_now(text: str | None) -> datetime | None:
    """``AMBIL_DOCTOR_NOW`` or ``--now``: an ISO date or time to judge the clock by (tests, drills)."""
    if not text:
        return None
    from datetime import UTC

    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def doctor(config_path: str | None, *, now: str | None = None, out: TextIO | None = None) -> int:
    """The CLI entry: run every check on ``config_path`` and print the report."""
    import os

    moment = parse_now(now or os.environ.get("AMBIL_DOCTOR_NOW"))
    findings = run_checks(Path(config_path) if config_path else None, now=moment)
    return print_report(findings, out)
