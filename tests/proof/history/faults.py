"""The faults a history injects, each at the point where a real one would strike.

- ``Link``: the lane's whole network path to the office (claims, reports, PDFs, sync); a
  partition is ``down = True``, its end ``down = False``.
- ``FaultyOffice``: the lane's real in-process office link (claims, reports, PDFs, sync), with
  one-shot faults: an answer lost *after* the office committed, and a slow commit (the lane's
  request times out, the office commits it later, when the history says so).
- ``JournalKiller``: the lane process dies right after its N-th journal write from now (each
  write is committed first, as with kill -9 between two fsyncs), or right after the next door
  pulse or print submit (between INTENT and DONE); ``LaneKilled`` unwinds the
  lane's stack without running any of its error handling, like a dead process would.
- the rogue lane key (``rogue.py``), when armed, sees the next claim the office grants a lane on
  the wire and misuses it at once.
"""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from functools import partial

from controller.kernel.errors import OfficeUnreachable
from controller.lane.link.in_process import InProcessOfficeLink
from controller.office.sync import OfficeSync


class LaneKilled(BaseException):
    """The lane process was killed here (BaseException: no ``except Exception`` catches it)."""


class Link:
    """One switch for a lane's network path to the office."""

    def __init__(self):
        self.down = False
        self.back_at: int | None = None  # the history step at which an outage of known length ends

    def cut(self, until: int | None = None) -> None:
        self.down, self.back_at = True, until

    def check(self) -> None:
        if self.down:
            raise OfficeUnreachable("partition (history checker)")


class OneShots:
    """Armed one-shot faults of one lane, and a count of those that struck, by kind.

    A shot may be aimed at one kind of call (``claim``: a claim by QR or short code): left
    unaimed, it mostly struck the reporter's or the PDF fetch's next call, and the order defect 1
    needs (a claim that commits after its lane walked away) stayed rare."""

    def __init__(self, struck: Counter):
        self.armed: dict[str, str | None] = {}  # kind -> the call it waits for (None: any)
        self.struck = struck

    def arm(self, kind: str, on: str | None = None) -> None:
        self.armed[kind] = on

    def take(self, kind: str, call: str | None = None) -> bool:
        if kind not in self.armed or self.armed[kind] not in (None, call):
            return False
        del self.armed[kind]
        self.struck[kind] += 1
        return True


class FaultyOffice(InProcessOfficeLink):
    """The in-process office client behind a ``Link`` and one-shot faults.

    ``slow_commit``: the request times out at the lane; the office's commit is kept in
    ``pending`` (a list shared by the history) and lands when the history runs it.
    ``lose_answer``: the office commits, the answer never reaches the lane.
    """

    def __init__(self, office, lane_id: str, link: Link, shots: OneShots, pending: list, rogue=None):
        super().__init__(office, lane_id, office_sync=OfficeSync(office))
        self.link, self.shots, self.pending, self.rogue = link, shots, pending, rogue

    def _call(self, call, *args, what: str | None = None, **kw):
        self.link.check()
        if self.shots.take("slow_commit", what):
            self.pending.append(partial(call, *args, **kw))
            raise OfficeUnreachable("timed out (history checker: the commit is slow)")
        result = call(*args, **kw)
        if self.shots.take("lose_answer", what):
            raise OfficeUnreachable("answer lost after commit (history checker)")
        return result

    def claim(self, **kw):
        return self._call(self._sniffed(super().claim), what="claim", **kw)

    def claim_short(self, **kw):
        return self._call(self._sniffed(super().claim_short), what="claim", **kw)

    def _sniffed(self, call):
        """``call``, after which an armed rogue sees the grant (before any answer can be lost)."""

        def sniffed(**kw):
            grant = call(**kw)
            if self.rogue is not None:
                self.rogue.sniffed(grant, self._lane_id)
            return grant

        return sniffed

    def fetch_pdf(self, claim_id):
        return self._call(super().fetch_pdf, claim_id)

    def report(self, **kw):
        return self._call(super().report, **kw)

    def rate(self, **kw):
        self.link.check()
        return super().rate(**kw)

    def ping(self) -> bool:
        return not self.link.down

    # -- sync: a snapshot computed while the link went down is lost on the way, and a
    # reconciliation answer can be lost after the office committed it (the lane sends those
    # releases again: they must be duplicates)
    def fetch_snapshot(self):
        self.link.check()
        return super().fetch_snapshot()

    def report_offline(self, releases):
        self.link.check()
        verdicts = super().report_offline(releases)
        if self.shots.take("lose_answer"):
            raise OfficeUnreachable("reconciliation answer lost after commit (history checker)")
        return verdicts

    def acknowledge(self, **kw):
        self.link.check()
        return super().acknowledge(**kw)


class JournalKiller:
    """Kills the lane right after the N-th journal write (``_write`` or ``transaction``) from
    the moment it is armed. Installed on a lane's ``Journal`` instance, so every holder of that
    journal (releaser, reporter, offline store) goes through it."""

    def __init__(self):
        self.countdown: int | None = None
        self.at_actuation = False
        self.kills = 0

    def arm(self, writes: int) -> None:
        """Kill after ``writes`` journal writes; 0: right after the next door pulse or print
        submit (a power cut between INTENT and DONE, after the device acted)."""
        if writes <= 0:
            self.at_actuation = True
        else:
            self.countdown = writes

    def disarm(self) -> None:
        self.countdown = None
        self.at_actuation = False

    def actuated(self) -> None:
        """Called by the devices right after they acted for this lane."""
        if self.at_actuation:
            self.at_actuation = False
            self.kills += 1
            raise LaneKilled()

    def install(self, journal) -> None:
        write, transaction = journal._write, journal.transaction

        def killing_write(sql, args):
            write(sql, args)
            self._tick()

        @contextmanager
        def killing_transaction():
            with transaction() as db:
                yield db
            self._tick()

        journal._write = killing_write
        journal.transaction = killing_transaction

    def _tick(self) -> None:
        if self.countdown is None:
            return
        self.countdown -= 1
        if self.countdown <= 0:
            self.countdown = None
            self.kills += 1
            raise LaneKilled()
