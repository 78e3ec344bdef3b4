"""ambil's domain and its adapters (DESIGN section 3): no web framework; devices only through hardware/.

``kernel/`` what office and lane share (pickup codes, grants, outcomes, error keys, the clock);
``office/`` documents, pickups, claims, sites, lockers, accounts, audit, sync, fleet, notify;
``lane/`` the lane's lifecycle, release protocol, journal, offline store, screen, office link;
``ops/`` doctor, host health, watchdog, metrics, logs, readiness, safe-off; ``config.py`` the one
config model; ``devices.py`` the drivers a config names; ``system.py`` the composition root.

May import: ``hardware/`` and libraries; never ``web`` (import-linter, pyproject.toml).
"""
