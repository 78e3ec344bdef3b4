"""A pseudo-terminal standing in for a USB serial device, with a udev-style symlink.

``PtyPair(directory)`` makes a pty and points ``directory/<name>`` at its slave side, the way
udev points ``/dev/ambil-scanner`` at ``/dev/ttyACM0``. The driver under test opens the link;
the test plays the device by writing to the master (``write``). ``unplug()`` closes the master
(the driver's reads fail as on a pulled cable) and removes the link; ``replug()`` makes a new
pty and points the link at it, as a scanner plugged back in (maybe with a new tty number).
"""

from __future__ import annotations

import os
import select
from pathlib import Path


class PtyPair:
    """One simulated serial device; use as a context manager or call ``close()``."""

    def __init__(self, directory: str | Path, *, name: str = "ambil-scanner"):
        self.link = Path(directory) / name
        self.master: int | None = None
        self.slave_path: str | None = None
        self.plugs = 0
        self.plug()

    @property
    def path(self) -> str:
        """The stable device path a driver should open (the symlink)."""
        return str(self.link)

    @property
    def plugged(self) -> bool:
        return self.master is not None

    def plug(self) -> None:
        """Make a new pty and (re)point the link at its slave; no-op when already plugged."""
        if self.master is not None:
            return
        master, slave = os.openpty()
        # Only the master is kept: the driver opens the slave by its path. Closing our slave fd
        # keeps the pty alive as long as the master is open.
        self.slave_path = os.ttyname(slave)
        os.close(slave)
        self.master = master
        temporary = self.link.with_name(f".{self.link.name}.new")
        temporary.unlink(missing_ok=True)
        temporary.symlink_to(self.slave_path)
        os.replace(temporary, self.link)  # atomic, as udev does it
        self.plugs += 1

    def replug(self) -> None:
        """Plug back in after ``unplug()``: a new pty behind the same link."""
        self.plug()

    def unplug(self, *, remove_link: bool = True) -> None:
        """Pull the cable: close the master so the driver's reads fail; drop the link like udev."""
        if self.master is None:
            return
        os.close(self.master)
        self.master = None
        if remove_link:
            self.link.unlink(missing_ok=True)

    def write(self, data: bytes) -> None:
        """Send bytes as the scanner would (all of them, even when the pty buffer is busy)."""
        if self.master is None:
            raise RuntimeError("the pty is unplugged")
        view = memoryview(data)
        while view:
            select.select([], [self.master], [], 1.0)
            written = os.write(self.master, view)
            view = view[written:]

    def close(self) -> None:
        self.unplug()

    def __enter__(self) -> PtyPair:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
