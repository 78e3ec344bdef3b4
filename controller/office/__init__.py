"""The office side of ambil: documents, pickup codes, claims, locker inventory, accounts and the audit log.

The entry point is :class:`controller.office.office.Office`; the tables are created only by the
Alembic migrations in :mod:`controller.office.db.migrations`; ``notify/`` is the outbox;
``assemble.py`` builds every office part complete for the composition root (``controller.system``).
The office speaks in keys and parameters: the words of its messages, alerts and the slip are
web/'s (``web/i18n``), handed to the notifier as a ``MessageTexts`` by the composition root.
Lanes on their own Pis: ``lane_join.py`` (a lane announces its banks, an admin accepts them through
``locker_admin.py``, the one owner of the lane/bank/door rules), ``lane_commands.py`` and
``lane_control.py`` (commands to a lane: queued rows the lane takes over its long-poll, at most once
and before their deadline), ``door_tests.py`` (a door test on a door holding an item). The fleet
(``fleet*.py``): heartbeats in, lanes out, ``fleet_offline.py`` the alerts of lanes gone quiet or
never heard from.

May import: ``controller.kernel`` and ``controller.config``; never ``controller.lane`` (lanes are
asked to act through ``controller.kernel.lane_commands``), never ``hardware/`` or a web framework.
"""
