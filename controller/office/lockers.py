"""Locker inventory for staff: doors, sizes, what each door holds, loading. (Filled in by the
lockers work; this stub keeps the composition root importable.)"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy.engine import Engine


class Lockers:
    def __init__(self, engine: Engine, *, clock: Callable[[], float] = time.time):
        self.engine = engine
        self.clock = clock
