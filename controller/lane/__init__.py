"""The lane: reads codes at one drive-thru lane and releases what they stand for, at most once.

By job:
- ``lane.py`` the life cycle (start, the worker and monitor loops, stop); ``assemble.py`` builds it
  from its parts for the composition root;
- ``intake.py`` the read queue, repeats dropped (``dedupe.py``), the PIN, the rating;
- ``release.py`` the release protocol (DESIGN 5), with ``print_outcome.py``;
- ``actuation.py`` the one door pulse and the one print follow-up, used by releases,
  ``staff_doors.py`` (staff door openings) and ``selftest.py`` (a technician's self-tests;
  ``selftest_report.py`` reports one the lane ran on its own to the office's audit);
- ``journal.py``, ``recovery.py``, ``reporter.py``: INTENT/DONE, recovery at start, outcomes to
  the office; ``offline.py``, ``sync.py``, ``reconcile.py``: releases while the office is away;
- ``screen.py`` what the screen shows, ``screen_timing.py`` for how long, ``outputs.py`` the lights,
  buzzer and door alarms; ``device_health.py`` the polled devices; ``status_document.py`` the
  status the API, heartbeat (``heartbeat.py``: the Pi's health and the recent log lines are handed
  in by the composition root from ``controller/ops/``) and watchdog read; ``readiness.py`` the lane's
  readiness rules (started, office link, a usable release device, failed devices), which
  ``controller/ops/readiness.py`` joins with the office's for the whole process; ``commands.py``
  the office's commands (the runner: journalled before acting, never after the deadline; the
  long-poll worker), ``announce.py`` what the lane tells the office of its banks;
- ``link/`` the one link to the office (a port, an in-process and an HTTP adapter).

May import ``controller.kernel``, ``controller.config`` and ``hardware`` interfaces, never
``controller.office``, ``controller.ops`` or ``controller.system`` (import-linter); devices only
through the drivers the composition root hands in.
"""
