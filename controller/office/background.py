"""The office's periodic jobs (the fleet timer, the claim-lease sweep): one daemon thread each.

A job sets ``self._stop`` (a ``threading.Event``) and ``self._thread = None`` in its constructor,
names its thread with ``thread_name`` and implements ``_run``, a loop on ``self._stop.wait(...)``.
"""

from __future__ import annotations

import threading


class BackgroundJob:
    """``start``/``stop`` of a job's one thread; starting twice runs one thread."""

    thread_name = "office-job"
    _stop: threading.Event
    _thread: threading.Thread | None

    def _run(self) -> None:  # pragma: no cover - each job has its own
        raise NotImplementedError

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Ask the loop to end and wait for it (a few seconds at most)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
