"""The scanner interface the lane uses.

A scanner runs its own worker thread and pushes every text it reads to the callback given to
``start``. The callback is called from that worker thread and must return quickly (the lane
hands the text over to its event loop). Scanners report repeats as they see them: dropping
repeats of the same code is the lane's job.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable

from hardware.status import DeviceStatus

OnRead = Callable[[str], None]


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
