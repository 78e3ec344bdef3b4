"""The lane: its lifecycle, the release protocol, its journal, offline store, screen and office link.

May import: ``controller.kernel``, ``controller.config`` and the interfaces and helpers of
``hardware/``; never ``controller.office`` (the office is reached through the office client and
the sync link), never a web framework or a device library.
"""
