"""``ambil doctor``: the office connection, the clock and the disk."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

from controller.kernel.office_tls import (
    CLEAR_TEXT_WARNING,
    in_clear,
    office_trust,
    plain_http_to_https,
    tls_problem,
)
from controller.ops.doctor.run import FAIL, OK, WARN, Finding
from controller.ops.host import clock_synchronised

CODE_ROOT = Path(__file__).resolve().parents[3]  # the installed controller/, hardware/, web/
CLOCK_SLACK_S = 120.0  # file times a little ahead of the clock are normal (copies, other hosts)


# -- office -------------------------------------------------------------------------------------
def office_findings(config, *, transport=None) -> list[Finding]:
    """Role lane: the office answers /healthz and accepts this lane's key, over the TLS the lane
    uses (``controller.kernel.office_tls``: the same trust, the same names for a failure)."""
    if config.role != "lane":
        return []
    import httpx

    url = config.lane.office_url.rstrip("/")
    ca_file = config.lane.office_ca_file
    findings = []
    if in_clear(url):
        findings.append(
            Finding(WARN, "office tls", f"{url} is plain http to another machine", CLEAR_TEXT_WARNING)
        )
    try:
        with httpx.Client(
            base_url=url, timeout=10, verify=office_trust(ca_file), transport=transport
        ) as http:
            health = http.get("/healthz")
            mismatch = plain_http_to_https(url, health.status_code, health.text)
            if mismatch is not None:
                return [*findings, Finding(FAIL, "office tls", f"{url}: {mismatch.what}", mismatch.fix)]
            if health.status_code != 200:
                return [
                    *findings,
                    Finding(
                        FAIL,
                        "office",
                        f"{url}/healthz answered HTTP {health.status_code}",
                        "check the office service (`systemctl status ambil-office` there)",
                    ),
                ]
            # an authenticated call that changes nothing: a claim that does not exist
            probe = http.get(
                "/api/v1/claims/doctor-probe-0000/pdf",
                headers={"Authorization": f"Bearer {config.lane.api_key}"},
            )
    except httpx.HTTPError as exc:
        problem = tls_problem(exc, ca_file=ca_file)
        if problem is not None:
            return [*findings, Finding(FAIL, "office tls", f"{url}: {problem.what}", problem.fix)]
        return [
            *findings,
            Finding(
                FAIL,
                "office",
                f"{url} not reachable: {type(exc).__name__}: {exc}",
                "check the network and lane.office_url (`curl -v URL/healthz` from the Pi)",
            ),
        ]
    if probe.status_code in (401, 403):
        return [
            *findings,
            Finding(OK, "office", f"{url} answers"),
            Finding(
                FAIL,
                "office key",
                f"the office refuses this lane's key (HTTP {probe.status_code})",
                f"on the office: `ambil apikey create --role lane --lane {config.lane.id}`, "
                "put the key in lane.api_key",
            ),
        ]
    if probe.status_code >= 500:
        return [
            *findings,
            Finding(
                WARN,
                "office",
                f"{url} answers, but the key check gave HTTP {probe.status_code}",
                "look at the office's log (`journalctl -u ambil-office`)",
            ),
        ]
    if url.startswith("https://"):
        trust = f"the CA in {ca_file}" if ca_file else "the system CAs"
        findings.append(Finding(OK, "office tls", f"certificate verified with {trust}"))
    return [*findings, Finding(OK, "office", f"{url} answers and accepts the lane key")]


# -- clock --------------------------------------------------------------------------------------
def clock_findings(
    *, now: datetime | None = None, state_dir: Path | None = None, timedatectl: str = "timedatectl"
) -> list[Finding]:
    """The clock is not behind the software or the state, and the kernel says it is synchronised
    (asked the way the lane's heartbeat asks: ``controller.ops.host.clock_synchronised``)."""
    moment = now or datetime.now(UTC)
    findings = []
    landmarks = [("the installed software", newest_mtime(CODE_ROOT, suffix=".py"))]
    if state_dir is not None:
        landmarks.append((f"a file in {state_dir}", newest_mtime(Path(state_dir))))
    behind = [(what, when) for what, when in landmarks if when and moment.timestamp() < when - CLOCK_SLACK_S]
    if behind:
        what, when = max(behind, key=lambda item: item[1])
        written = datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%d %H:%M UTC")
        findings.append(
            Finding(
                FAIL,
                "clock",
                f"the clock says {moment:%Y-%m-%d %H:%M} UTC, before {what} was written ({written})",
                "sudo timedatectl set-ntp true and let the Pi reach an NTP server (check `timedatectl "
                "timesync-status`), or set it: sudo date -s 'YYYY-MM-DD HH:MM' "
                "(pickup codes expire by this clock)",
            )
        )
    else:
        findings.append(
            Finding(OK, "clock", f"{moment:%Y-%m-%d %H:%M} UTC, not behind the software or the state")
        )
    synced = clock_synchronised(timedatectl)
    if synced is None:
        findings.append(
            Finding(
                WARN,
                "clock sync",
                "cannot tell whether the clock is synchronised",
                "check `timedatectl` (System clock synchronized: yes)",
            )
        )
    elif not synced:
        findings.append(
            Finding(
                WARN,
                "clock sync",
                "the clock is not synchronised (NTP)",
                "sudo timedatectl set-ntp true; if the network blocks NTP, set NTP= in "
                "/etc/systemd/timesyncd.conf to the office's time server",
            )
        )
    else:
        findings.append(Finding(OK, "clock sync", "synchronised"))
    return findings


def newest_mtime(root: Path, *, suffix: str = "", limit: int = 5000) -> float | None:
    """The newest modification time under ``root`` (at most ``limit`` files looked at)."""
    newest = None
    seen = 0
    try:
        walker = os.walk(root)
        for folder, dirs, files in walker:
            dirs[:] = [d for d in dirs if not d.startswith(".") and d != "__pycache__"]
            for name in files:
                if suffix and not name.endswith(suffix):
                    continue
                try:
                    mtime = os.stat(os.path.join(folder, name)).st_mtime
                except OSError:
                    continue
                newest = mtime if newest is None else max(newest, mtime)
                seen += 1
                if seen >= limit:
                    return newest
    except OSError:
        return newest
    return newest


# -- disk ---------------------------------------------------------------------------------------
def disk_findings(state_dir: Path | None) -> list[Finding]:
    target = Path(state_dir) if state_dir else Path.home()
    probe = target
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    usage = shutil.disk_usage(probe)
    free_mb = usage.free / 1024 / 1024
    percent = 100.0 * usage.free / usage.total if usage.total else 0.0
    text = f"{free_mb:,.0f} MB free ({percent:.0f}%) at {target}"
    fix = "sudo journalctl --vacuum-size=200M; sudo apt clean; remove old files (or use a bigger SD card)"
    if free_mb < 500 or percent < 5:
        return [Finding(FAIL, "disk", text, fix)]
    if free_mb < 2048 or percent < 15:
        return [Finding(WARN, "disk", text, fix)]
    return [Finding(OK, "disk", text)]
