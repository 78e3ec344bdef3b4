"""The HTTP API (JSON): office API (documents, claims, QR), lane API, agency, sync, fleet, health, metrics.

Each module is one FastAPI router; routes take what they need from ``web.deps`` and hold no rules
(those are in ``controller/``). May import: ``controller``, ``web.auth``, ``web.deps``,
``web.errors``; never ``hardware/``.
"""
