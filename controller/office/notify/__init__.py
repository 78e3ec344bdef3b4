"""Notifications to citizens and agencies: log, e-mail, webhook; recorded and retried. (Stub.)"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy.engine import Engine


class Notifications:
    def __init__(self, engine: Engine, config, *, clock: Callable[[], float] = time.time):
        self.engine = engine
        self.config = config
        self.clock = clock

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass
