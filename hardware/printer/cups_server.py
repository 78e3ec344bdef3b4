"""The CUPS ``server`` setting: one parser, and the one way to point libcups at it.

Used by the driver (``cups_printer``) and by ``ambil doctor``, so both reach the same cupsd.
libcups keeps the server per thread: call ``use_server`` in the thread that then talks to CUPS.
"""

from __future__ import annotations


def split_server(server: str) -> tuple[str, int | None]:
    """``"host:port"``, ``"[v6]:port"``, ``"[v6]"``, ``"host"`` or a socket path -> (host, port).

    A bare IPv6 address (``"::1"``) has no port: its colons are not a port separator.
    """
    if server.startswith("/"):
        return server, None
    if server.startswith("["):
        host, _, rest = server[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else None
    host, sep, port = server.rpartition(":")
    if sep and port.isdigit() and ":" not in host:
        return host, int(port)
    return server, None


def use_server(server: str | None) -> None:
    """Point this thread's libcups at ``server`` (None: libcups' own choice, CUPS_SERVER or
    client.conf), and make it never prompt for a password on a terminal (an empty answer cancels)."""
    import cups

    if server:
        host, port = split_server(server)
        cups.setServer(host)
        if port is not None:
            cups.setPort(port)
    cups.setPasswordCB(lambda *_args: "")
