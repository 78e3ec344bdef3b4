"""The physical side of a history: what the devices did and what people hold, never the office's
opinion.

- ``RecordingPrinter``: the product's sim printer that also notes which PDF (by SHA-256) each job
  was given; its own ``jobs`` (state, sheets out) and completed outputs are the print record.
- ``Doors``: what is physically behind each locker door (items by document id), and every door
  opening a citizen could use: which document's code was shown and which items were taken out.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from hardware.locker.sim import SimLockerBank
from hardware.printer.interface import JobState
from hardware.printer.sim import SimPrinter


class RecordingPrinter(SimPrinter):
    """A ``SimPrinter`` that remembers the SHA-256 of the PDF given to each job; ``acted`` is
    called after each submit (the journal killer's hook)."""

    def __init__(self, **kw):
        self.given: dict[int, str] = {}
        self.acted = lambda: None
        super().__init__(**kw)

    def submit(self, pdf: Path, job_name: str) -> int:
        sha = hashlib.sha256(Path(pdf).read_bytes()).hexdigest()
        job_id = super().submit(pdf, job_name)
        self.given[job_id] = sha
        self.acted()
        return job_id


class HookedBank(SimLockerBank):
    """A ``SimLockerBank`` that calls ``acted`` after each pulse (the journal killer's hook)."""

    def __init__(self, **kw):
        self.acted = lambda: None
        super().__init__(**kw)

    def pulse(self, door: int, ms: int) -> int:
        length = super().pulse(door, ms)
        self.acted()
        return length


@dataclass
class PrintOut:
    """One print job as the printer saw it."""

    printer: str
    job_id: int
    pdf_sha: str
    state: JobState
    sheets: int
    output_sha: str | None  # the completed output's SHA-256 (None: not completed)


def print_record(printer: RecordingPrinter) -> list[PrintOut]:
    """Every job the printer was given, with what came out."""
    outs = []
    for job in printer.jobs:
        output_sha = None
        if job.state is JobState.COMPLETED:
            path = printer.outbox / f"job-{job.job_id}.pdf"
            output_sha = hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "missing"
        outs.append(
            PrintOut(
                printer.name,
                job.job_id,
                printer.given.get(job.job_id, "?"),
                job.state,
                job.pages_done,
                output_sha,
            )
        )
    return outs


@dataclass
class Opening:
    """A door that opened for a citizen who showed ``shown_doc``'s code; ``taken``: what was in."""

    bank: str
    door: int
    shown_doc: int | None  # None: an attacker's or unknown code
    taken: frozenset[int]
    late: bool = False


@dataclass
class Doors:
    """What is behind each door, and every opening a citizen could use."""

    contents: dict[tuple[str, int], set[int]] = field(default_factory=dict)
    openings: list[Opening] = field(default_factory=list)
    misloads: list[tuple[str, int, int, frozenset[int]]] = field(default_factory=list)

    def put(self, bank: str, door: int, doc_id: int) -> None:
        """Staff put ``doc_id``'s item in (a door that already holds one is noted)."""
        inside = self.contents.setdefault((bank, door), set())
        if inside - {doc_id}:
            self.misloads.append((bank, door, doc_id, frozenset(inside - {doc_id})))
        inside.add(doc_id)

    def take_back(self, bank: str, door: int, doc_id: int) -> bool:
        """Staff take ``doc_id``'s item out; False when it is not there."""
        inside = self.contents.get((bank, door), set())
        if doc_id in inside:
            inside.discard(doc_id)
            return True
        return False

    def citizen_opened(self, bank: str, door: int, shown_doc: int | None, *, late: bool = False) -> None:
        """The door opened for a citizen: they take everything that is in it."""
        taken = frozenset(self.contents.get((bank, door), set()))
        self.contents[(bank, door)] = set()
        self.openings.append(Opening(bank, door, shown_doc, taken, late))

    def where(self, doc_id: int) -> tuple[str, int] | None:
        for place, inside in self.contents.items():
            if doc_id in inside:
                return place
        return None
