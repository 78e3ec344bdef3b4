"""The printer interface the lane uses.

Methods block (CUPS calls go over a socket); the lane calls them from a worker thread. A driver
must be safe to call from any thread: the CUPS driver funnels every pycups call through its own
single worker thread because pycups is not thread-safe.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from hardware.status import DeviceStatus


class JobState(StrEnum):
    PENDING = "pending"
    HELD = "held"
    PROCESSING = "processing"
    STOPPED = "stopped"
    CANCELLED = "cancelled"
    ABORTED = "aborted"
    COMPLETED = "completed"

    @property
    def final(self) -> bool:
        return self in (JobState.CANCELLED, JobState.ABORTED, JobState.COMPLETED)


@dataclass
class JobStatus:
    """One print job as the printer system reports it.

    ``pages_done`` is what the printer system counted: at least that many sheets came out, and
    exactly that many only when ``pages_exact`` (a printer that counts its sheets; CUPS counts
    what its filters sent, which says nothing about paper). ``started`` is whether the printer
    ever began the job (``None``: it cannot tell).
    """

    job_id: int
    name: str
    state: JobState
    pages_done: int = 0
    reasons: list[str] = field(default_factory=list)  # job-state-reasons
    started: bool | None = None
    pages_exact: bool = False

    @property
    def nothing_out(self) -> bool:
        """True only when no sheet of this job can have come out of the printer.

        Unknown counts as "some did": a job that started on a printer that cannot count its
        sheets may have printed any part of itself.
        """
        if self.pages_done > 0:
            return False
        return self.started is False or self.pages_exact


class Printer(ABC):
    """A print queue that takes PDFs."""

    name: str

    @abstractmethod
    def submit(self, pdf: Path, job_name: str) -> int:
        """Queue ``pdf`` under ``job_name`` (the claim id) and return the job id.

        Raises ``DeviceOffline`` when the print system is unreachable, ``PrinterError`` when the
        queue refuses the job.
        """

    @abstractmethod
    def job(self, job_id: int) -> JobStatus:
        """The current state of one job (raises ``PrinterError`` if unknown)."""

    @abstractmethod
    def find_jobs(self, job_name: str) -> list[JobStatus]:
        """Every job, finished or not, whose name is ``job_name``: used by crash recovery."""

    @abstractmethod
    def cancel(self, job_id: int) -> None:
        """Cancel a job that has not finished (no error if it already has)."""

    @abstractmethod
    def status(self) -> DeviceStatus:
        """The printer's state and its state reasons (``media-empty``, ``offline``...).

        Reasons use CUPS keywords without the ``-error``/``-warning``/``-report`` suffix.
        Never raises: an unreachable print system is ``DeviceState.OFFLINE``.
        """

    def close(self) -> None:
        """Release connections and threads."""
