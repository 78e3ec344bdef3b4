"""Hand the freshest camera frame from the capture thread to the decode loop, never a backlog.

The capture thread grabs every frame the camera sends (so neither the camera's nor the
backend's queue fills up with old frames), but only retrieves (converts to BGR) a frame when the
decode loop asks for one: ``take_fresh()`` raises a request, and the next frame grabbed after it
is handed over. A grabbed-but-unrequested frame is simply dropped, which keeps an idle lane
cheap: grabbing is a buffer swap (V4L2) or one JPEG decode (streams), retrieving is the colour
conversion on top. There is one slot, so the decode loop can never fall behind.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import cv2
import numpy as np

log = logging.getLogger(__name__)


class LatestFrame:
    """A one-frame mailbox between the capture thread (``put``) and the decoder (``take_fresh``)."""

    def __init__(self):
        self._changed = threading.Condition()
        self._frame: np.ndarray | None = None
        self._sequence = 0
        self._wanted = False
        self.closed = False
        self.failed = False

    @property
    def wanted(self) -> bool:
        """True while the decode loop waits for a frame: the capture thread should retrieve one."""
        return self._wanted

    def put(self, frame: np.ndarray) -> None:
        with self._changed:
            self._frame = frame
            self._sequence += 1
            self._wanted = False
            self._changed.notify_all()

    def take_fresh(self, timeout: float) -> np.ndarray | None:
        """The first frame retrieved after this call, or None on timeout, failure or close."""
        with self._changed:
            requested_at = self._sequence
            self._wanted = True
            fresh = self._changed.wait_for(
                lambda: self._sequence > requested_at or self.closed or self.failed, timeout
            )
            self._wanted = False
            if fresh and self._sequence > requested_at:
                return self._frame
            return None

    def fail(self) -> None:
        """The capture thread lost the source; wakes the decode loop."""
        with self._changed:
            self.failed = True
            self._changed.notify_all()

    def close(self) -> None:
        """The decode loop is done; tells the capture thread to stop grabbing."""
        with self._changed:
            self.closed = True
            self._changed.notify_all()


def grab_frames(capture: cv2.VideoCapture, slot: LatestFrame, on_frame: Callable[[], None]) -> None:
    """The capture thread: grab every frame, retrieve one only when asked, until ``slot`` closes.

    ``on_frame`` is called for every frame grabbed (frame counters, stall detection). A failed
    grab or retrieve (source gone or stalled past the backend's timeout) marks the slot failed.
    """
    try:
        while not slot.closed:
            if not capture.grab():
                slot.fail()
                return
            on_frame()
            if slot.wanted:
                ok, frame = capture.retrieve()
                if not ok:
                    slot.fail()
                    return
                slot.put(frame)
    except Exception:  # report it as a lost source: the scanner reconnects
        log.exception("camera capture thread crashed")
        slot.fail()
