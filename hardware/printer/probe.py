"""A probe of CUPS for ``ambil doctor``: the queues a server offers, asked the driver's way."""

from __future__ import annotations

import threading

from hardware.printer.cups_server import use_server

PROBE_TIMEOUT_S = 15.0


def cups_queues(server: str | None, *, timeout: float = PROBE_TIMEOUT_S) -> dict[str, dict]:
    """Queue name -> its IPP attributes, from ``server`` (None: libcups' own choice).

    Asked from a fresh thread, since libcups keeps the server per thread. Raises what libcups
    raised, or ``TimeoutError`` when the server does not answer within ``timeout`` seconds.
    """
    result: dict = {}

    def ask() -> None:
        try:
            import cups

            use_server(server)  # the driver's own parser: IPv6 "[::1]:631" included
            result["printers"] = cups.Connection().getPrinters()
        except Exception as exc:  # raised again in the caller's thread
            result["error"] = exc

    thread = threading.Thread(target=ask, name="doctor-cups", daemon=True)
    thread.start()
    thread.join(timeout=timeout)
    if thread.is_alive():
        raise TimeoutError(f"no answer within {timeout:g} s")
    if "error" in result:
        raise result["error"]
    return result["printers"]
