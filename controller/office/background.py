"""The office's periodic jobs (the fleet timer, the claim-lease sweep): one daemon thread each.

A job sets ``self._stop`` (a ``threading.Event``) and ``self._thread = None`` in its constructor,
names its thread with ``thread_name`` and implements ``_run``, a loop on ``self._stop.wait(...)``
that does its work only when ``self._mine()``: with several office workers on one PostgreSQL
database, a ``job_lock`` (``controller.office.db.job_lock.JobLock``) lets exactly one run it.
"""

from __future__ import annotations

import threading


class BackgroundJob:
    """``start``/``stop`` of a job's one thread; starting twice runs one thread."""

    thread_name = "office-job"
    job_lock = None  # a JobLock, or None: this process always runs the job
    _stop: threading.Event
    _thread: threading.Thread | None

    def _mine(self) -> bool:
        """Whether this process runs the job this period (it holds the job's lock)."""
        return self.job_lock is None or self.job_lock.held()

    def _run(self) -> None:  # pragma: no cover - each job has its own
        raise NotImplementedError

    def _on_stop(self) -> None:
        """A job's last work at stop, while it still holds its lock (none by default)."""

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
        self._on_stop()
        if self.job_lock is not None:
            self.job_lock.release()  # another worker takes the job over at once
