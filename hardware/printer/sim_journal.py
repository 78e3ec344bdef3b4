"""The simulated printer's job list on disk: ``jobs.json``, replaced atomically on every change.

Like CUPS' job history, it outlives the process, so crash recovery can look a job up by name
after a kill -9.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from hardware.printer.interface import JobState, JobStatus

log = logging.getLogger(__name__)

FORMAT_VERSION = 1


@dataclass
class SimJob:
    """A job with what the simulator needs besides its public status."""

    status: JobStatus
    pages: int
    spool: str  # the copy of the PDF taken at submit
    output: str | None = None  # the outbox file once completed


class SimJournal:
    """Load and save the job list at ``path``."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def load(self) -> list[SimJob]:
        """The recorded jobs; none when the file is missing. A corrupt file is an error."""
        try:
            data = json.loads(self.path.read_text())
        except FileNotFoundError:
            return []
        if data.get("version") != FORMAT_VERSION:
            raise ValueError(f"{self.path}: unknown jobs.json version {data.get('version')!r}")
        jobs = []
        for item in data["jobs"]:
            status = JobStatus(
                job_id=int(item["job_id"]),
                name=item["name"],
                state=JobState(item["state"]),
                pages_done=int(item["pages_done"]),
                reasons=list(item["reasons"]),
                started=item.get("started"),
                pages_exact=True,  # the simulator counts every sheet it turns
            )
            jobs.append(SimJob(status, int(item["pages"]), item["spool"], item.get("output")))
        return jobs

    def save(self, jobs: Iterable[SimJob]) -> None:
        """Write the whole list to a temp file, fsync it, then rename it over the old one."""
        records = [
            {
                "job_id": job.status.job_id,
                "name": job.status.name,
                "state": str(job.status.state),
                "pages_done": job.status.pages_done,
                "reasons": job.status.reasons,
                "started": job.status.started,
                "pages": job.pages,
                "spool": job.spool,
                "output": job.output,
            }
            for job in jobs
        ]
        payload = json.dumps({"version": FORMAT_VERSION, "jobs": records}, indent=1)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        with tmp.open("w") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)
        # The rename itself must survive a power cut too.
        dir_fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
