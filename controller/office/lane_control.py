"""How the office asks a lane to act for staff (open a door to load it). (Stub.)"""

from __future__ import annotations


class InProcessLaneControl:
    def __init__(self, lanes: dict):
        self.lanes = lanes
