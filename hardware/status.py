"""Device health as a structured value, shared by every kind of device."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from enum import StrEnum


class DeviceState(StrEnum):
    """Overall state of one device, worst last."""

    OK = "ok"
    WARNING = "warning"  # still serving, needs attention soon (toner low, door left open)
    ERROR = "error"  # cannot serve (paper out, jam, stuck door)
    OFFLINE = "offline"  # not reachable (unplugged, cupsd down, camera gone)


@dataclass
class DeviceStatus:
    """What a technician needs to know about one device.

    ``reasons`` are machine-readable reason keywords (CUPS state reasons such as ``media-empty``,
    or ours such as ``no-frames``); ``detail`` is free text for a human; ``info`` carries numbers
    such as frames per second or marker levels.
    """

    kind: str
    name: str
    state: DeviceState = DeviceState.OK
    reasons: list[str] = field(default_factory=list)
    detail: str = ""
    info: dict = field(default_factory=dict)
    since: float = field(default_factory=time.time)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["state"] = str(self.state)
        return data
