"""Operations: what keeps a running ambil observable and supervised, not the pickup domain itself.

Holds the doctor (``doctor/``: config, devices, office link, clock, disk), the host's own health
(``host``), the readiness of the whole process (``readiness``: office + lane + devices, so it is
here and not in lane/), the systemd watchdog (``watchdog``), Prometheus metrics (``metrics``, read
from a running System by ``metrics_collect``), every relay off at stop (``safe_off``) and the
logging set-up with code redaction (``logs``).

May import: ``controller.kernel``, ``controller.config``, ``controller.devices``,
``controller.lane``, ``controller.office`` and ``hardware/`` (devices only through hardware's
probes and drivers). No web framework. Nothing in the kernel, the office or the lane imports ops/
(import-linter): the composition root hands them what they need from here (the heartbeat's host
health and log lines).
"""
