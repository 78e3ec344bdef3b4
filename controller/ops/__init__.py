"""Operations: what keeps a running ambil observable and supervised, not the pickup domain itself.

Holds the doctor (``doctor/``: config, devices, office link, clock, disk), the host's own health
(``host``), the systemd watchdog (``watchdog``), Prometheus metrics (``metrics``, read from a
running System by ``metrics_collect``) and the logging set-up with code redaction (``logs``).

May import: ``controller.kernel``, ``controller.config``, ``controller.lane``, ``controller.office``
and ``hardware/`` (devices only through hardware's probes and drivers). No web framework.
"""
