"""The scanner interface the lane uses.

A scanner runs its own worker thread and pushes every text it reads to the callback given to
``start``. The callback is called from that worker thread and must return quickly (the lane
hands the text over to its event loop). Scanners report repeats as they see them: dropping
repeats of the same code is the lane's job.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from hardware.status import DeviceStatus

OnRead = Callable[[str], None]


class ScriptedReads(Protocol):
    """The scriptable side of a simulated scanner (the demo, tests, ``ambil lane show``)."""

    def inject(self, text: str) -> None:
        """Read ``text`` as if a code had been scanned."""

    def show_image(self, image: str | Path | bytes) -> list[str]:
        """Decode ``image`` through the camera's own decoder and read what it finds."""


class Scanner(ABC):
    name: str

    @abstractmethod
    def start(self, on_read: OnRead) -> None:
        """Start reading in a worker thread; reconnect on failure until ``stop()``."""

    @abstractmethod
    def stop(self) -> None:
        """Stop the worker and release the device; safe to call twice."""

    @abstractmethod
    def status(self) -> DeviceStatus:
        """Online/offline, frames per second, time of the last read (``info``)."""

    def scripted(self) -> ScriptedReads | None:
        """The simulator's scriptable side; None for a real scanner (nothing can be injected)."""
        return None

    def read_once(self) -> dict | None:
        """For a technician's frame test: decode the freshest frame now and say what was seen
        (``{"frame": bool, "width", "height", "age_s", "codes", "decode_ms"}`` or ``{"frame": False,
        "detail"}``); None for a scanner that has no frames (serial, simulated)."""
        return None
