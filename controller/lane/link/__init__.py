"""The lane's one link to the office: a port (``OfficeLink``) and two adapters.

- ``port.py``: the interface every part of the lane talks to (claims, PDFs, outcome reports,
  ratings, heartbeats, and the offline sync), and the ``Grant`` it answers a claim with;
- ``in_process.py``: all-in-one mode, the office objects in the same process;
- ``http.py``: a lane on its own Pi, the office API with the lane's key;
- ``errors.py``: the one mapping of the office's HTTP answers to the lane's typed errors.

May import ``controller.kernel.errors`` and the lane's own modules; the in-process adapter reaches the
office only through the objects the composition root hands it.
"""

from controller.lane.link.port import Grant, OfficeLink

__all__ = ["Grant", "OfficeLink"]
