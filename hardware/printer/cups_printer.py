"""A printer behind a CUPS queue, driven through pycups.

pycups (and libcups under it) is not thread-safe and keeps the server address per thread, so
every pycups call runs in one worker thread owned by the instance; public methods hand work to
that thread and wait for it.
"""

from __future__ import annotations

import concurrent.futures
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import cups

from hardware.errors import DeviceOffline, PrinterError
from hardware.printer.cups_attributes import (
    JOB_ATTRIBUTES,
    PRINTER_ATTRIBUTES,
    job_status,
    printer_status,
)
from hardware.printer.cups_server import use_server
from hardware.printer.interface import JobStatus, Printer
from hardware.status import DeviceState, DeviceStatus

log = logging.getLogger(__name__)

T = TypeVar("T")


def _ipp_statuses(*names: str) -> frozenset[int]:
    return frozenset(getattr(cups, f"IPP_STATUS_ERROR_{name}") for name in names)


# What libcups reports when the server could not be reached or the link broke.
_TRANSPORT_STATUSES = _ipp_statuses("SERVICE_UNAVAILABLE", "INTERNAL", "TIMEOUT")
_NOT_PERMITTED = _ipp_statuses(
    "FORBIDDEN", "NOT_AUTHORIZED", "NOT_AUTHENTICATED", "CUPS_AUTHENTICATION_CANCELED"
)


class _Transport(Exception):
    """The connection to cupsd failed inside the worker; carries the cause for the log."""


class CupsPrinter(Printer):
    """One CUPS queue.

    ``server`` is ``"host:port"`` or the path of cupsd's socket (default: libcups' own choice,
    ``CUPS_SERVER`` or client.conf). ``error_policy`` is set on the queue at first connect so a
    failing job is aborted instead of stopping the queue (``None`` leaves the queue as it is).
    ``call_timeout`` bounds how long one public call waits for the worker thread.
    """

    kind = "printer"

    def __init__(
        self,
        queue: str,
        *,
        server: str | None = None,
        poll_interval: float = 0.5,
        error_policy: str | None = "abort-job",
        call_timeout: float = 30.0,
    ):
        self.name = queue
        self.queue = queue
        self.server = server
        self.poll_interval = poll_interval
        self.error_policy = error_policy
        self.call_timeout = call_timeout
        self._conn: Any = None  # touched only in the worker thread
        self._policy_settled = error_policy is None
        self._closed = False
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix=f"cups-{queue}", initializer=self._init_worker
        )

    # -- the Printer interface -------------------------------------------------------------

    def submit(self, pdf: Path, job_name: str) -> int:
        """Queue ``pdf``; never retried after the request may have reached cupsd.

        A ``DeviceOffline`` from here can mean the job exists anyway: look it up by name.
        """
        path = Path(pdf)
        if not path.is_file():
            raise PrinterError(f"document {path.name} does not exist", reason="document-missing")

        def op(conn: Any) -> int:
            # Ask first: a missing or rejecting queue then gives a clear error instead of
            # whatever a failed Print-Job leaves in libcups' last error.
            attrs = conn.getPrinterAttributes(self.queue, requested_attributes=["printer-is-accepting-jobs"])
            if not attrs.get("printer-is-accepting-jobs", True):
                raise PrinterError(f"queue {self.queue} is not accepting jobs", reason="not-accepting-jobs")
            return int(conn.printFile(self.queue, str(path), job_name, {}))

        try:
            job_id = self._call(op, retry=False)
        except cups.IPPError as exc:
            raise self._printer_error("submit", exc) from exc
        log.info("queued job %d on %s (%s)", job_id, self.queue, path.name)
        return job_id

    def job(self, job_id: int) -> JobStatus:
        def op(conn: Any) -> dict:
            return conn.getJobAttributes(job_id, requested_attributes=JOB_ATTRIBUTES)

        try:
            attrs = self._call(op)
        except cups.IPPError as exc:
            raise self._printer_error(f"job {job_id}", exc) from exc
        return job_status(job_id, attrs)

    def find_jobs(self, job_name: str) -> list[JobStatus]:
        def op(conn: Any) -> dict:
            return conn.getJobs(which_jobs="all", my_jobs=False, requested_attributes=JOB_ATTRIBUTES)

        try:
            jobs = self._call(op)
        except cups.IPPError as exc:
            raise self._printer_error("list jobs", exc) from exc
        suffix = f"/printers/{self.queue}"
        ours = {i: a for i, a in jobs.items() if str(a.get("job-printer-uri", "")).endswith(suffix)}
        found = [job_status(i, a) for i, a in sorted(ours.items()) if a.get("job-name") == job_name]
        if not found and any("job-name" not in a for a in ours.values()):
            # "No such job" would be a guess: recovery must not take it as "never printed".
            raise PrinterError(
                "cupsd hides job names from this client; connect over the local socket as a member "
                "of the CUPS system group, or set JobPrivateValues none in cupsd.conf",
                reason="job-names-hidden",
            )
        return found

    def cancel(self, job_id: int) -> None:
        def op(conn: Any) -> None:
            conn.cancelJob(job_id)

        try:
            self._call(op)
        except cups.IPPError as exc:
            status = exc.args[0]
            if status == cups.IPP_STATUS_ERROR_NOT_POSSIBLE:
                log.debug("job %d already finished, nothing to cancel", job_id)
                return
            raise self._printer_error(f"cancel job {job_id}", exc) from exc
        log.info("cancelled job %d on %s", job_id, self.queue)

    def status(self) -> DeviceStatus:
        def op(conn: Any) -> dict:
            return conn.getPrinterAttributes(self.queue, requested_attributes=PRINTER_ATTRIBUTES)

        try:
            attrs = self._call(op)
        except DeviceOffline as exc:
            return DeviceStatus("printer", self.name, DeviceState.OFFLINE, ["cupsd-unreachable"], str(exc))
        except cups.IPPError as exc:
            status, message = exc.args
            if status == cups.IPP_STATUS_ERROR_NOT_FOUND:
                detail = f"queue {self.queue} does not exist"
                return DeviceStatus("printer", self.name, DeviceState.ERROR, ["queue-missing"], detail)
            return DeviceStatus("printer", self.name, DeviceState.ERROR, ["printer-error"], str(message))
        except Exception as exc:  # status() must never raise: a technician still needs a row
            log.exception("unexpected failure reading the status of %s", self.queue)
            return DeviceStatus("printer", self.name, DeviceState.ERROR, ["printer-error"], str(exc))
        return printer_status(self.name, attrs)

    def wait_for_job(self, job_id: int, timeout: float = 60.0) -> JobStatus:
        """Poll ``job`` every ``poll_interval`` until it is final or ``timeout`` passes."""
        deadline = time.monotonic() + timeout
        current = self.job(job_id)
        while not current.state.final and time.monotonic() < deadline:
            time.sleep(self.poll_interval)
            current = self.job(job_id)
        return current

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True

        def drop() -> None:
            self._conn = None

        try:
            self._executor.submit(drop).result(timeout=self.call_timeout)
        except concurrent.futures.TimeoutError:
            log.warning("CUPS worker for %s did not finish in time", self.queue)
        self._executor.shutdown(wait=False, cancel_futures=True)

    # -- the worker thread -----------------------------------------------------------------

    def _init_worker(self) -> None:
        # Runs in the worker: libcups keeps the server and callbacks per thread.
        use_server(self.server)

    def _call(self, op: Callable[[Any], T], *, retry: bool = True) -> T:
        if self._closed:
            raise DeviceOffline(f"printer {self.queue} is closed")
        future = self._executor.submit(self._in_worker, op, retry)
        try:
            return future.result(timeout=self.call_timeout)
        except concurrent.futures.TimeoutError as exc:
            raise DeviceOffline(f"CUPS did not answer within {self.call_timeout:g} s") from exc
        except _Transport as exc:
            raise DeviceOffline(f"CUPS unreachable: {exc}") from exc

    def _in_worker(self, op: Callable[[Any], T], retry: bool) -> T:
        attempts = 2 if retry else 1
        for attempt in range(1, attempts + 1):
            conn = self._connection()
            try:
                return op(conn)
            except cups.IPPError as exc:
                if exc.args[0] not in _TRANSPORT_STATUSES:
                    raise
                failure: Exception = exc
            except (cups.HTTPError, RuntimeError) as exc:
                failure = exc
            # The link is broken (cupsd restarted or gone): reconnect next time.
            self._conn = None
            log.debug("CUPS call failed (attempt %d of %d): %s", attempt, attempts, failure)
        raise _Transport(str(failure))

    def _connection(self) -> Any:
        if self._conn is not None:
            return self._conn
        try:
            conn = cups.Connection()
        except RuntimeError as exc:
            raise _Transport(str(exc)) from exc
        log.debug("connected to CUPS at %s", self.server or "default server")
        self._conn = conn
        if not self._policy_settled:
            self._apply_error_policy(conn)
        return conn

    def _apply_error_policy(self, conn: Any) -> None:
        try:
            attrs = conn.getPrinterAttributes(self.queue, requested_attributes=["printer-error-policy"])
            if attrs.get("printer-error-policy") != self.error_policy:
                conn.setPrinterErrorPolicy(self.queue, self.error_policy)
                log.info("set error policy of %s to %s", self.queue, self.error_policy)
            self._policy_settled = True
        except cups.IPPError as exc:
            status, message = exc.args
            if status in _NOT_PERMITTED:
                # Not fatal: the queue still prints, but one bad job may stop it.
                log.warning("not allowed to set the error policy of %s: %s", self.queue, message)
                self._policy_settled = True
            else:
                log.warning("could not set the error policy of %s yet: %s", self.queue, message)
        except (cups.HTTPError, RuntimeError) as exc:
            log.warning("could not set the error policy of %s yet: %s", self.queue, exc)

    # -- mapping ---------------------------------------------------------------------------

    def _printer_error(self, what: str, exc: cups.IPPError) -> PrinterError:
        status, message = exc.args
        if status == cups.IPP_STATUS_ERROR_NOT_ACCEPTING_JOBS:
            reason = "not-accepting-jobs"
        elif status == cups.IPP_STATUS_ERROR_NOT_FOUND:
            reason = "not-found"
        elif status in _NOT_PERMITTED:
            reason = "not-permitted"
        else:
            reason = "printer-error"
        return PrinterError(f"{what} on {self.queue} failed: {message}", reason=reason)
