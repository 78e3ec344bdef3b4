"""``ambil doctor``: one finding per check with a fix for each problem.

``run`` holds the runner and the config check, ``devices`` the configured devices (printer queue,
serial ports, camera, GPIO), ``system`` the office connection, the clock and the disk.

May import: ``controller.config``, ``controller.kernel`` and ``hardware/``; no web framework.
"""
