"""``ambil doctor``: the configured devices (printer queue, serial ports, camera, GPIO).

The devices are asked through the probes in ``hardware/`` (the drivers' own parsers and openers);
this module only turns their answers into findings with a fix.
"""

from __future__ import annotations

from pathlib import Path

from controller.ops.doctor.run import FAIL, OK, WARN, Finding
from hardware.ports import gpio_chips, gpio_pin_factory, open_serial_port
from hardware.printer.probe import cups_queues

CUPS_STOPPED = 5  # IPP printer-state "stopped"


def device_findings(config) -> list[Finding]:
    if config.role == "office":
        return []
    lane = config.lane
    findings: list[Finding] = []
    findings += printer_findings(lane.printer)
    scanner = lane.scanner
    if scanner.type == "serial":
        findings.append(
            serial_finding("scanner", scanner.port, scanner.baudrate, "lane.scanner.port", "the scanner")
        )
    elif scanner.type == "camera":
        findings.append(camera_finding(scanner.source))
    elif scanner.type == "sim":
        findings.append(Finding(OK, "scanner", "simulated (lane.scanner.type = 'sim')"))
    gpio_users: list[str] = []
    for index, bank in enumerate(lane.lockers):
        name = f"locker {bank.id}"
        if bank.type == "serial":
            findings.append(
                serial_finding(
                    name, bank.port, bank.baudrate, f"lane.lockers[{index}].port", "the RS485 adapter"
                )
            )
        elif bank.type == "gpio":
            gpio_users.append(name)
        else:
            findings.append(Finding(OK, name, f"simulated, {bank.doors} doors"))
    if lane.signals.type == "gpio":
        gpio_users.append("signals")
    if gpio_users:
        findings.append(gpio_finding(gpio_users))
    return findings


# -- printer ------------------------------------------------------------------------------------
def printer_findings(cfg) -> list[Finding]:
    if cfg.type == "none":
        return [Finding(OK, "printer", "none configured")]
    if cfg.type == "sim":
        return [Finding(OK, "printer", "simulated (lane.printer.type = 'sim')")]
    where = cfg.server or "the local CUPS"
    try:
        printers = cups_queues(cfg.server)
    except Exception as exc:
        return [
            Finding(
                FAIL,
                "printer",
                f"CUPS at {where} not reachable: {exc}",
                "start CUPS: `sudo systemctl enable --now cups`, or fix lane.printer.server",
            )
        ]
    queue = cfg.queue
    if queue not in printers:
        known = ", ".join(sorted(printers)) or "none"
        return [
            Finding(
                FAIL,
                "printer",
                f"printer queue '{queue}' not found on {where} (queues there: {known})",
                f"lpadmin -p {queue} -E -v <device URI from `lpinfo -v`> -m everywhere, "
                "or fix lane.printer.queue",
            )
        ]
    attrs = printers[queue]
    if not attrs.get("printer-is-accepting-jobs", True):
        return [Finding(FAIL, "printer", f"queue '{queue}' rejects jobs", f"cupsaccept {queue}")]
    if attrs.get("printer-state") == CUPS_STOPPED:
        message = attrs.get("printer-state-message") or "stopped"
        return [
            Finding(
                FAIL,
                "printer",
                f"queue '{queue}' is stopped: {message}",
                f"fix the printer, then `cupsenable {queue}`",
            )
        ]
    reasons = [r for r in str(attrs.get("printer-state-reasons", "none")).split(",") if r and r != "none"]
    if isinstance(attrs.get("printer-state-reasons"), list):
        reasons = [r for r in attrs["printer-state-reasons"] if r != "none"]
    if any(r.endswith("-error") for r in reasons):
        return [
            Finding(
                WARN,
                "printer",
                f"queue '{queue}' reports {', '.join(reasons)}",
                "check paper, toner, cover and cable",
            )
        ]
    return [Finding(OK, "printer", f"queue '{queue}' on {where} accepts jobs")]


# -- serial ports -------------------------------------------------------------------------------
def serial_finding(name: str, port: str, baudrate: int, key: str, what: str) -> Finding:
    if not Path(port).exists():
        return Finding(
            FAIL,
            name,
            f"serial port {port} does not exist",
            f"plug in {what} and check `ls -l /dev/serial/by-id/`; for a udev name install "
            f"systemd/99-ambil.rules with its USB IDs (`lsusb`), then `udevadm control --reload && "
            f"udevadm trigger`; or fix {key}",
        )
    try:
        open_serial_port(port, baudrate)
    except PermissionError:
        return Finding(
            FAIL, name, f"no permission to open {port}", "sudo usermod -aG dialout ambil (then restart)"
        )
    except Exception as exc:
        return Finding(
            FAIL, name, f"{port} cannot be opened: {exc}", f"replug {what}; is another program using it?"
        )
    return Finding(OK, name, f"{port} opens")


# -- camera -------------------------------------------------------------------------------------
def camera_finding(source) -> Finding:
    """Open the camera the way the driver does (one parser, one opener) and read one frame."""
    from hardware.scanner.probe import probe_camera  # OpenCV loads only when a camera is configured

    try:
        probe = probe_camera(source, timeout_seconds=5.0)
    except ValueError as exc:
        return Finding(FAIL, "scanner", f"camera source: {exc}", "fix lane.scanner.source")
    name = probe.name  # a stream URL's password is masked
    if probe.problem == "missing":
        return Finding(
            FAIL,
            "scanner",
            f"camera {name} does not exist",
            "plug in the camera (`ls /dev/video*`), or fix lane.scanner.source",
        )
    if probe.problem == "no-open":
        return Finding(
            FAIL,
            "scanner",
            f"camera source {name!r} does not open",
            "check the cable or stream URL, the video group (`sudo usermod -aG video ambil`), "
            "or stop the running lane first (`sudo systemctl stop ambil-lane`); "
            "or fix lane.scanner.source",
        )
    if probe.problem == "no-frame":
        return Finding(
            FAIL,
            "scanner",
            f"camera {name!r} opens but gives no frame",
            "replug the camera; try another USB port",
        )
    return Finding(OK, "scanner", f"camera {name!r} gives {probe.width}x{probe.height} frames")


# -- GPIO ---------------------------------------------------------------------------------------
def gpio_finding(users: list[str]) -> Finding:
    who = ", ".join(users)
    chips, writable = gpio_chips()
    if not chips:
        return Finding(
            FAIL, "gpio", f"no /dev/gpiochip* for {who}", "run ambil on a Raspberry Pi (GPIO lockers/signals)"
        )
    if not writable:
        return Finding(
            FAIL, "gpio", f"no access to {chips[0]} for {who}", "sudo usermod -aG gpio ambil (then restart)"
        )
    try:
        factory = gpio_pin_factory()
    except Exception as exc:
        return Finding(
            FAIL,
            "gpio",
            f"no GPIO pin library: {exc}",
            "sudo apt install python3-lgpio (or .venv/bin/pip install lgpio)",
        )
    return Finding(OK, "gpio", f"{factory} drives {who}")
