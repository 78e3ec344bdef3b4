"""The lane's devices as last polled: scanner, printer, every locker bank, the signals.

The lane's monitor calls ``poll`` every few seconds (health reads are cheap: drivers answer from
their own caches); everything else reads ``devices``. A driver whose ``status()`` raises is shown
in ERROR, never allowed to stop the poll.
"""

from __future__ import annotations

from controller.lane.print_outcome import can_print
from hardware.failed import FAILED_AT_START
from hardware.locker.interface import LockerBank
from hardware.printer.interface import Printer
from hardware.scanner.interface import Scanner
from hardware.signals.interface import LaneSignals
from hardware.status import DeviceState, DeviceStatus

RELEASE_KINDS = ("printer", "locker")  # the devices a pickup comes out of
USABLE = (DeviceState.OK, DeviceState.WARNING)


class DeviceHealth:
    def __init__(
        self,
        *,
        scanner: Scanner | None,
        printer: Printer | None,
        lockers: dict[str, LockerBank],
        signals: LaneSignals | None,
    ) -> None:
        self._devices: list[tuple[str, str, object]] = []
        if scanner is not None:
            self._devices.append(("scanner", "scanner", scanner))
        if printer is not None:
            self._devices.append(("printer", "printer", printer))
        for bank_id, bank in lockers.items():
            self._devices.append((f"locker:{bank_id}", "locker", bank))
        if signals is not None:
            self._devices.append(("signals", "signals", signals))
        self.devices: dict[str, DeviceStatus] = {}

    def poll(self) -> dict[str, DeviceStatus]:
        """Ask every device for its status now."""
        self.devices = {key: _status_of(device, kind) for key, kind, device in self._devices}
        return self.devices

    def can_release(self) -> bool:
        """True when some printer or bank is usable, or the lane has none (nothing to be out of)."""
        release = [s for s in self.devices.values() if s.kind in RELEASE_KINDS]
        return not release or any(s.state in USABLE for s in release)

    def prints(self) -> bool | None:
        """Whether the printer can print now (``print_outcome.can_print``); None: no printer."""
        status = self.devices.get("printer")
        return None if status is None else can_print(status)

    def failed(self) -> dict[str, str]:
        """Devices whose driver did not start (``hardware.failed``): name -> why."""
        return {name: s.detail for name, s in self.devices.items() if FAILED_AT_START in s.reasons}

    def to_dict(self) -> dict[str, dict]:
        return {key: s.to_dict() for key, s in self.devices.items()}


def _status_of(device, kind: str) -> DeviceStatus:
    try:
        status = device.status()
    except Exception as exc:  # a driver bug must not take the lane down
        status = DeviceStatus(
            kind=kind, name=getattr(device, "name", kind), state=DeviceState.ERROR, detail=str(exc)
        )
    status.kind = kind
    return status
