"""The office as two worker processes on one database, for the history checker (issue 13).

Two ``Office`` objects, each on its own engine (its own connection pool) of the same PostgreSQL
schema, share nothing but the database, as two ``ambil serve --workers 2`` processes do; what
one keeps in memory the other does not see. Every call of a lane, of staff or of the attacker
goes to one of them, drawn from a generator seeded by the history's number, so a claim can land
on one worker and its retry, its report or the next sync on the other.
"""

from __future__ import annotations

import random


class OfficeWorkers:
    """Looks like one ``Office``; each attribute read (a method call's lookup) picks a worker."""

    def __init__(self, offices: list, seed: int):
        self._offices = offices
        self._rng = random.Random(seed)
        self.calls = [0] * len(offices)  # calls per worker: the history must use both

    def __getattr__(self, name: str):
        index = self._rng.randrange(len(self._offices))
        self.calls[index] += 1
        return getattr(self._offices[index], name)
