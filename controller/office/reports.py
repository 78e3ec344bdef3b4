"""Figures for staff: pickups per day and lane, ready-to-pickup time, failures. (Stub.)"""

from __future__ import annotations

from sqlalchemy.engine import Engine


class Reports:
    def __init__(self, engine: Engine):
        self.engine = engine
