"""The HTTP face of ambil (FastAPI) and its command line.

``app.py`` builds the app around a System; ``deps.py`` the typed dependencies routes take;
``errors.py`` error key -> HTTP status; ``auth.py``, ``csrf.py``, ``body_guard.py`` access;
``api/`` the JSON API; ``pages/`` the HTML pages and the lane screen; ``i18n/`` every user-facing
text; ``cli/`` the ``ambil`` command and its benchmarks; ``templates/`` and ``static/``.

May import: ``controller``; the API and pages never ``hardware/`` (only ``cli/`` may, for the
benchmarks and the doctor).
"""
