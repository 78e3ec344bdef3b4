"""Probe for ``ambil doctor``: the queues a CUPS server lists, asked without printing anything."""

from __future__ import annotations

import threading


def cups_queues(server: str | None, *, timeout: float = 15.0) -> dict:
    """The queues on ``server`` (``getPrinters()``), asked from a fresh thread (libcups keeps the
    server per thread). Raises the library's error, or ``TimeoutError`` after ``timeout`` s."""
    result: dict = {}

    def ask() -> None:
        try:
            import cups

            if server:
                host, _, port = server.rpartition(":") if not server.startswith("/") else (server, "", "")
                cups.setServer(host or server)
                if port.isdigit():
                    cups.setPort(int(port))
            cups.setPasswordCB(lambda *_args: "")
            result["printers"] = cups.Connection().getPrinters()
        except Exception as exc:  # reported by the caller
            result["error"] = exc

    thread = threading.Thread(target=ask, name="doctor-cups", daemon=True)
    thread.start()
    thread.join(timeout=timeout)
    if thread.is_alive():
        raise TimeoutError(f"no answer within {timeout:.0f} s")
    if "error" in result:
        raise result["error"]
    return result["printers"]
