"""Benchmarks a technician can run on a Pi (``ambil bench ...``), printing the figures the issues ask for.

They are tooling, not domain: they start HTTP servers, feed frames through OpenCV and name
concrete drivers, so they live under ``web/cli/`` (DESIGN section 3).

May import: ``controller``, ``hardware`` and ``web``.
"""
