"""A private cupsd for tests: a cups-pdf queue and a queue whose backend fakes printer faults.

Use it as a pytest plugin (``pytest_plugins = ["tests.rigs.cups_rig"]`` in tests/conftest.py, or
``from tests.rigs.cups_rig import cups_server  # noqa: F401`` in one conftest.py, not both), then
take the ``cups_server`` fixture (a ``CupsRig``). Config templates and the fault-injecting
backend live in tests/rigs/cups_backend/.

The daemon listens on 127.0.0.1:<free port> with its own config, spool, state and log folders in
a temp dir, so the system cupsd is never touched. cups-pdf reads its config only from /etc/cups,
but picks ``/etc/cups/cups-pdf-<NAME>.conf`` for a device URI ``cups-pdf:/<NAME>``: the rig
writes such a file (named after its pid) for the duration of the session and removes it after.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.rigs.unavailable import rig_unavailable
from tests.rigs.wait import wait_for

CUPSD = "/usr/sbin/cupsd"
LPADMIN = "/usr/sbin/lpadmin"
SYSTEM_SERVER_BIN = Path("/usr/lib/cups")
CUPS_PDF_BACKEND = SYSTEM_SERVER_BIN / "backend" / "cups-pdf"
CUPS_PDF_PPD = Path("/usr/share/ppd/cups-pdf/CUPS-PDF_noopt.ppd")
CUPS_PDF_CONFIG_DIR = Path("/etc/cups")
CUPS_PDF_CONFIG_PREFIX = "cups-pdf-ambilrig"
RIG_FILES = Path(__file__).parent / "cups_backend"
TEST_BACKEND = RIG_FILES / "ambil-test"

PDF_QUEUE = "ambil-pdf"
FAULTY_QUEUE = "ambil-faulty"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class CupsRig:
    """A running private cupsd and what tests need to drive and observe it."""

    host: str
    port: int
    root: Path
    pdf_queue: str = PDF_QUEUE
    faulty_queue: str = FAULTY_QUEUE
    output_dirs: dict[str, Path] = field(default_factory=dict)

    @property
    def server(self) -> str:
        """``"127.0.0.1:port"``: what ``CupsPrinter(server=...)`` takes."""
        return f"{self.host}:{self.port}"

    @property
    def pdf_dir(self) -> Path:
        return self.output_dirs[self.pdf_queue]

    @property
    def faulty_dir(self) -> Path:
        return self.output_dirs[self.faulty_queue]

    def add_faulty_queue(self, queue: str, error_policy: str = "stop-printer") -> Path:
        """Create another queue on the fault-injecting backend (one per test that needs isolation).

        ``stop-printer`` is CUPS' default policy: a driver must switch it to abort-job itself.
        """
        out = self.root / "out" / queue
        out.mkdir(parents=True, exist_ok=True)
        policy = f"printer-error-policy={error_policy}"
        self.lpadmin("-p", queue, "-v", f"ambil-test:{out}", "-m", "raw", "-o", policy, "-E")
        self.output_dirs[queue] = out
        return out

    def set_fault(
        self, queue: str | None = None, reasons: Sequence[str] = (), exit_code: int = 0, delay: float = 0.0
    ) -> None:
        """Make the next jobs on an ``ambil-test`` queue raise ``reasons`` and exit with ``exit_code``.

        Reasons are CUPS keywords; a bare one gets ``-error`` (``media-empty`` -> ``media-empty-error``).
        Exit codes are the CUPS backend's: 1 fails the job (error policy applies), 4 stops the queue,
        5 cancels the job. ``delay`` keeps each job processing that many seconds.
        """
        out = self._fault_dir(queue)
        keywords = [r if r.endswith(("-error", "-warning", "-report")) else f"{r}-error" for r in reasons]
        _write_atomic(out / ".fault-reasons", " ".join(keywords) + "\n")
        _write_atomic(out / ".fault-exit", f"{int(exit_code)}\n")
        _write_atomic(out / ".fault-delay", f"{delay:g}\n")

    def clear_fault(self, queue: str | None = None) -> None:
        """Back to clean jobs. The printer's reasons clear when the next job runs, as on a real printer."""
        out = self._fault_dir(queue)
        for name in (".fault-reasons", ".fault-exit", ".fault-delay"):
            (out / name).unlink(missing_ok=True)

    def output_files(self, queue: str) -> list[Path]:
        return sorted(self.output_dirs[queue].glob("*.pdf"))

    def wait_for_file(self, directory: Path, pattern: str = "*.pdf", timeout: float = 60.0) -> Path:
        """The first complete PDF matching ``pattern`` in ``directory``; fails the test if none comes."""
        sizes: dict[Path, int] = {}

        def complete() -> Path | None:
            for path in sorted(directory.glob(pattern)):
                size = path.stat().st_size
                # Complete: ends like a PDF and did not grow since the last look.
                if size and sizes.get(path) == size and _ends_with_eof(path):
                    return path
                sizes[path] = size
            return None

        return wait_for(
            complete,
            timeout,
            interval=0.1,
            what=lambda: f"a complete {pattern} in {directory}\n{self.log_tail()}",
        )

    def wait_for_job_file(self, queue: str, job_id: int, timeout: float = 60.0) -> Path:
        """The output of one job: ``<title>-job_<id>.pdf`` (cups-pdf) or ``job-<id>.pdf`` (ambil-test)."""
        pattern = f"*-job_{job_id}.pdf" if queue == self.pdf_queue else f"job-{job_id}.pdf"
        return self.wait_for_file(self.output_dirs[queue], pattern, timeout)

    def lpadmin(self, *args: str) -> None:
        result = subprocess.run(
            [LPADMIN, "-h", self.server, *args], capture_output=True, text=True, timeout=30, check=False
        )
        if result.returncode != 0:
            raise RuntimeError(f"lpadmin {' '.join(args)} failed: {result.stderr.strip()}")

    def log_tail(self, lines: int = 40) -> str:
        log = self.root / "log" / "error_log"
        if not log.exists():
            return "(no cupsd error_log)"
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])

    def _fault_dir(self, queue: str | None) -> Path:
        queue = queue or self.faulty_queue
        if queue == self.pdf_queue or queue not in self.output_dirs:
            raise ValueError(f"{queue} is not a queue on the ambil-test backend")
        return self.output_dirs[queue]


def _template(name: str, **values: object) -> str:
    """A config file from tests/rigs/cups_backend/, with ``{name}`` fields filled in."""
    return (RIG_FILES / name).read_text().format(**values)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def _ends_with_eof(path: Path) -> bool:
    with path.open("rb") as handle:
        handle.seek(max(0, path.stat().st_size - 1024))
        return b"%%EOF" in handle.read()


def _missing_prerequisite() -> str | None:
    if os.name != "posix" or os.geteuid() != 0:
        return "the CUPS rig needs root (cupsd runs its backends as root)"
    for path in (CUPSD, LPADMIN, CUPS_PDF_BACKEND, CUPS_PDF_PPD):
        if not Path(path).exists():
            return f"the CUPS rig needs {path} (apt-get install cups cups-pdf)"
    if not os.access(CUPS_PDF_CONFIG_DIR, os.W_OK):
        return f"the CUPS rig needs to write a cups-pdf config into {CUPS_PDF_CONFIG_DIR}"
    return None


def _remove_stale_cups_pdf_configs() -> None:
    """Drop configs left by rigs that were killed (their pid is gone)."""
    for path in CUPS_PDF_CONFIG_DIR.glob(f"{CUPS_PDF_CONFIG_PREFIX}*.conf"):
        pid = path.stem.removeprefix(CUPS_PDF_CONFIG_PREFIX).split("-")[0]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            path.unlink(missing_ok=True)


def _make_server_bin(root: Path) -> None:
    """The system's filters and backends, plus ours (0700 root: cupsd runs it as root)."""
    server_bin = root / "bin"
    server_bin.mkdir()
    for sub in SYSTEM_SERVER_BIN.iterdir():
        if sub.name != "backend" and sub.is_dir():
            (server_bin / sub.name).symlink_to(sub)
    backends = server_bin / "backend"
    backends.mkdir()
    for backend in (SYSTEM_SERVER_BIN / "backend").iterdir():
        (backends / backend.name).symlink_to(backend)
    shutil.copyfile(TEST_BACKEND, backends / "ambil-test")
    os.chmod(backends / "ambil-test", 0o700)


def _config_check(root: Path) -> tuple[bool, str]:
    """``cupsd -t`` on the rig's config: (ok, everything it printed)."""
    result = subprocess.run(
        [CUPSD, "-t", "-c", str(root / "cupsd.conf"), "-s", str(root / "cups-files.conf")],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    output = "\n".join(part.strip() for part in (result.stdout, result.stderr) if part.strip())
    return result.returncode == 0, output


def _startup_failure(rig: CupsRig, what: str) -> str:
    """Why cupsd did not come up: ``what``, ``cupsd -t``'s whole output and the log's tail."""
    _ok, check = _config_check(rig.root)
    out = rig.root / "log" / "cupsd.out"
    printed = out.read_text(errors="replace").strip() if out.exists() else ""
    return (
        f"{what}\n--- cupsd -t -c cupsd.conf -s cups-files.conf ---\n{check or '(no output)'}"
        f"\n--- cupsd's own output ---\n{printed or '(none)'}\n--- error_log ---\n{rig.log_tail()}"
    )


def _wait_until_ready(rig: CupsRig, process: subprocess.Popen, timeout: float = 60.0) -> str | None:
    """None once cupsd listens; else why it did not come up."""

    def up_or_exited() -> str | None:
        if process.poll() is not None:
            return "exited"
        try:
            with socket.create_connection((rig.host, rig.port), timeout=1):
                return "listening"
        except OSError:
            return None

    try:
        state = wait_for(up_or_exited, timeout, interval=0.1, what=f"cupsd to listen on {rig.server}")
    except AssertionError:
        return _startup_failure(rig, f"cupsd did not listen on {rig.server} within {timeout:g} s")
    if state == "exited":
        return _startup_failure(rig, f"cupsd exited with {process.returncode}")
    return None


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="session")
def cups_server() -> Iterator[CupsRig]:
    """A private cupsd with ``ambil-pdf`` (cups-pdf) and ``ambil-faulty`` (ambil-test) queues."""
    missing = _missing_prerequisite()
    if missing:
        rig_unavailable(missing)
    _remove_stale_cups_pdf_configs()
    root = Path(tempfile.mkdtemp(prefix="ambil-cups-"))
    root.chmod(0o755)  # filters run as lp and must reach the spool
    for sub in ("etc", "spool/tmp", "run", "cache", "log", f"out/{PDF_QUEUE}"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    rig = CupsRig(host="127.0.0.1", port=free_port(), root=root)
    rig.output_dirs = {PDF_QUEUE: root / "out" / PDF_QUEUE}
    _make_server_bin(root)
    (root / "cupsd.conf").write_text(_template("cupsd.conf.in", port=rig.port))
    (root / "cups-files.conf").write_text(_template("cups-files.conf.in", root=root))
    # The pid lets a later run remove a config this one left behind; the suffix keeps two rigs
    # of one process apart.
    cups_pdf_name = f"ambilrig{os.getpid()}-{secrets.token_hex(4)}"
    cups_pdf_conf = CUPS_PDF_CONFIG_DIR / f"cups-pdf-{cups_pdf_name}.conf"
    cups_pdf_conf.write_text(_template("cups-pdf.conf.in", out=rig.pdf_dir, root=root))
    config_ok, check = _config_check(root)
    if not config_ok:  # a cupsd update may reject what an older one took: say exactly what
        cups_pdf_conf.unlink(missing_ok=True)
        shutil.rmtree(root, ignore_errors=True)
        rig_unavailable(f"cupsd rejects the rig's config:\n{check}")

    stdout = (root / "log" / "cupsd.out").open("wb")
    process = subprocess.Popen(
        [CUPSD, "-f", "-c", str(root / "cupsd.conf"), "-s", str(root / "cups-files.conf")],
        stdout=stdout,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        problem = _wait_until_ready(rig, process)
        if problem:
            rig_unavailable(problem)
        # stop-printer is CUPS' default; CupsPrinter must switch it to abort-job itself.
        rig.lpadmin(
            "-p", PDF_QUEUE, "-v", f"cups-pdf:/{cups_pdf_name}", "-P", str(CUPS_PDF_PPD),
            "-o", "printer-error-policy=stop-printer", "-E",
        )  # fmt: skip
        rig.add_faulty_queue(FAULTY_QUEUE)
        yield rig
    finally:
        _stop(process)
        stdout.close()
        cups_pdf_conf.unlink(missing_ok=True)
        shutil.rmtree(root, ignore_errors=True)
