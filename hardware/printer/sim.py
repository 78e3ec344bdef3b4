"""A simulated printer that ships in the product: the demo, the all-in-one default and tests use it.

It "prints" a job by turning pages over time in a background thread and, when the last page is
out, copying the PDF into ``outbox``. It can run out of paper mid-job like a real printer behind
CUPS: the printer gets ``media-empty`` and the job stops until paper is added or it is cancelled.
Its tray sensor reads empty as soon as the last sheet is picked, even when that sheet was the
last page of a job that then completes. Its page counter is exact: ``pages_done`` sheets are out.
Jobs are kept in ``outbox/jobs.json`` (replaced atomically) so crash recovery can find a job by
name after the process was killed; a job that was running then is reported as last recorded.
"""

from __future__ import annotations

import logging
import shutil
import threading
from dataclasses import replace
from pathlib import Path

from hardware.errors import DeviceOffline, PrinterError
from hardware.printer.interface import JobState, JobStatus, Printer
from hardware.printer.reasons import blocking, classify
from hardware.printer.sim_journal import SimJob, SimJournal
from hardware.status import DeviceState, DeviceStatus

log = logging.getLogger(__name__)


class SimPrinter(Printer):
    """A scriptable printer: ``set_paper``, ``add_reason``/``clear_reason``, ``set_offline``,
    ``refuse_next_submit``, ``jam_after``.

    ``paper=None`` means it never runs out; an int is the number of sheets in the tray.
    """

    kind = "printer"

    def __init__(
        self,
        *,
        name: str = "sim-printer",
        outbox: Path,
        seconds_per_page: float = 0.2,
        paper: int | None = None,
    ):
        self.name = name
        self.outbox = Path(outbox)
        self.seconds_per_page = seconds_per_page
        self._paper = paper
        self._reasons: list[str] = ["media-empty"] if paper == 0 else []
        self._offline = False
        self._refuse_next: str | None = None  # a reason: the next submit is refused with it
        self._jam_in: int | None = None  # sheets until a media-jam (``jam_after``)
        self._journal = SimJournal(self.outbox / "jobs.json")
        self._jobs: dict[int, SimJob] = {job.status.job_id: job for job in self._journal.load()}
        self._queue: list[int] = []  # only jobs submitted by this process are printed
        self._changed = threading.Condition()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name=f"sim-printer-{name}", daemon=True)
        self._thread.start()

    # -- the Printer interface -------------------------------------------------------------

    def submit(self, pdf: Path, job_name: str) -> int:
        source = Path(pdf)
        pages = _count_pages(source)
        with self._changed:
            self._check_online()
            if self._refuse_next is not None:
                reason, self._refuse_next = self._refuse_next, None
                raise PrinterError(f"printer {self.name} refused the job: {reason}", reason=reason)
            job_id = max(self._jobs, default=0) + 1
            spool = self.outbox / ".spool" / f"{job_id}.pdf"
            spool.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, spool)  # the caller may delete its file once queued
            status = JobStatus(job_id, job_name, JobState.PENDING, started=False, pages_exact=True)
            self._jobs[job_id] = SimJob(status, pages, str(spool))
            self._queue.append(job_id)
            self._save()
            self._changed.notify_all()
        log.info("sim printer %s queued job %d (%d pages)", self.name, job_id, pages)
        return job_id

    def job(self, job_id: int) -> JobStatus:
        with self._changed:
            self._check_online()
            return replace(self._get(job_id).status)

    def find_jobs(self, job_name: str) -> list[JobStatus]:
        with self._changed:
            self._check_online()
            return [replace(job.status) for job in self._jobs.values() if job.status.name == job_name]

    def cancel(self, job_id: int) -> None:
        with self._changed:
            self._check_online()
            job = self._get(job_id)
            if job.status.state.final:
                return
            self._finish(job, JobState.CANCELLED, "job-canceled-by-user")
            self._changed.notify_all()
        log.info("sim printer %s cancelled job %d", self.name, job_id)

    def status(self) -> DeviceStatus:
        with self._changed:
            if self._offline:
                return DeviceStatus("printer", self.name, DeviceState.OFFLINE, ["offline"], "printer offline")
            reasons = list(self._reasons)
            state, detail = classify(reasons)
            busy = any(j.status.state is JobState.PROCESSING for j in self._jobs.values())
            info = {"printer_state": "processing" if busy else "idle", "paper": self._paper}
            return DeviceStatus("printer", self.name, state, reasons, detail, info)

    def close(self) -> None:
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
        self._thread.join(timeout=5)

    # -- scripting and inspection ----------------------------------------------------------

    def set_paper(self, sheets: int | None) -> None:
        """Load the tray with ``sheets`` (None: endless). A stopped job resumes if paper is in."""
        with self._changed:
            self._paper = sheets
            self._discard_reason("media-empty")
            if sheets == 0:
                self._reasons.append("media-empty")  # an empty tray shows at once
            self._changed.notify_all()

    def refuse_next_submit(self, reason: str = "document-format-error") -> None:
        """Make the next ``submit`` raise ``PrinterError(reason)``: no job is queued."""
        with self._changed:
            self._refuse_next = reason

    def jam_after(self, sheets: int) -> None:
        """Jam (``media-jam``, blocking) as sheet number ``sheets`` from now leaves the printer;
        0 jams at once. ``clear_reason("media-jam")`` clears it."""
        with self._changed:
            self._jam_in = sheets
            if sheets <= 0:
                self._jam_in = None
                self._reasons.append("media-jam")
            self._changed.notify_all()

    @property
    def paper(self) -> int | None:
        with self._changed:
            return self._paper

    def add_reason(self, reason: str) -> None:
        """Raise a printer state reason (``media-jam``, ``toner-low``...); blocking ones stop jobs."""
        with self._changed:
            if reason not in self._reasons:
                self._reasons.append(reason)
            self._changed.notify_all()

    def clear_reason(self, reason: str) -> None:
        with self._changed:
            self._discard_reason(reason)
            self._changed.notify_all()

    def set_offline(self, offline: bool) -> None:
        """Offline: calls raise ``DeviceOffline``, status is OFFLINE, jobs do not advance."""
        with self._changed:
            self._offline = offline
            self._changed.notify_all()

    @property
    def printed(self) -> list[Path]:
        """The outbox files of completed jobs, oldest first."""
        with self._changed:
            return [Path(j.output) for j in self._jobs.values() if j.output and Path(j.output).exists()]

    @property
    def jobs(self) -> list[JobStatus]:
        with self._changed:
            return [replace(job.status) for job in self._jobs.values()]

    # -- the print engine (background thread) ----------------------------------------------

    def _run(self) -> None:
        with self._changed:
            while not self._stopping:
                job = self._current_job()
                if job is None:
                    self._changed.wait()
                    continue
                if self._offline:
                    self._changed.wait(0.5)
                    continue
                if self._paper == 0:
                    self._discard_reason("media-empty")
                    self._reasons.append("media-empty")
                if any(blocking(r) for r in self._reasons):
                    self._set_state(job, JobState.STOPPED, "printer-stopped")
                    self._changed.wait(0.5)
                    continue
                self._set_state(job, JobState.PROCESSING, "job-printing")
                # Turn one page; waiting on the condition lets cancel/offline/close cut in.
                self._changed.wait(self.seconds_per_page)
                if self._stopping or job.status.state is not JobState.PROCESSING:
                    continue
                if self._offline or any(blocking(r) for r in self._reasons) or self._paper == 0:
                    continue  # the fault came up while the page was in the printer
                if self._paper is not None:
                    self._paper -= 1
                    if self._paper == 0:  # the tray sensor reads empty as the last sheet leaves it
                        self._discard_reason("media-empty")
                        self._reasons.append("media-empty")
                job.status.pages_done += 1
                if self._jam_in is not None:
                    self._jam_in -= 1
                    if self._jam_in <= 0:  # the sheet is out, the next one jams
                        self._jam_in = None
                        self._reasons.append("media-jam")
                if job.status.pages_done >= job.pages:
                    self._complete(job)
                self._save()

    def _current_job(self) -> SimJob | None:
        while self._queue and self._jobs[self._queue[0]].status.state.final:
            self._queue.pop(0)
        return self._jobs[self._queue[0]] if self._queue else None

    def _set_state(self, job: SimJob, state: JobState, reason: str) -> None:
        if job.status.state is not state:
            job.status.state = state
            job.status.reasons = [reason]
            job.status.started = job.status.started or state is JobState.PROCESSING
            self._save()

    def _complete(self, job: SimJob) -> None:
        spool = Path(job.spool)
        output = self.outbox / f"job-{job.status.job_id}.pdf"
        partial = output.with_suffix(".pdf.part")
        shutil.copyfile(spool, partial)
        partial.replace(output)
        spool.unlink(missing_ok=True)
        job.output = str(output)
        self._finish(job, JobState.COMPLETED, "job-completed-successfully")
        log.info("sim printer %s completed job %d", self.name, job.status.job_id)

    def _finish(self, job: SimJob, state: JobState, reason: str) -> None:
        job.status.state = state
        job.status.reasons = [reason]
        if state is not JobState.COMPLETED:
            Path(job.spool).unlink(missing_ok=True)
        self._save()

    def _discard_reason(self, reason: str) -> None:
        self._reasons = [r for r in self._reasons if r != reason]

    def _get(self, job_id: int) -> SimJob:
        try:
            return self._jobs[job_id]
        except KeyError:
            raise PrinterError(f"no job {job_id} on {self.name}", reason="not-found") from None

    def _check_online(self) -> None:
        if self._offline:
            raise DeviceOffline(f"printer {self.name} is offline")

    def _save(self) -> None:
        self._journal.save(self._jobs.values())


def _count_pages(pdf: Path) -> int:
    # imported at the first print: pypdf costs a lane process ~10 MB resident (docs/benchmarks.md)
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        pages = len(PdfReader(pdf).pages)
    except FileNotFoundError:
        raise PrinterError(f"document {pdf.name} does not exist", reason="document-missing") from None
    except (PdfReadError, ValueError) as exc:
        message = f"document {pdf.name} is not a readable PDF: {exc}"
        raise PrinterError(message, reason="bad-document") from exc
    if pages < 1:
        raise PrinterError(f"document {pdf.name} has no pages", reason="bad-document")
    return pages
