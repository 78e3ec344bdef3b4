"""TLS from a lane to its office: whom the lane trusts, what a failed handshake means, and whether
a URL carries the lane's key in clear.

One place for the lane's link (``controller/lane/link/``), the config check of
``lane.office_ca_file`` and ``ambil doctor``, so that all three trust the same certificates and
name a failure the same way. Standard library only (a kernel module).
"""

from __future__ import annotations

import ipaddress
import ssl
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

CA_KEY = "lane.office_ca_file"

# OpenSSL's X509_V_ERR_* codes (ssl.SSLCertVerificationError.verify_code)
_NOT_YET_VALID, _EXPIRED = 9, 10
_HOST_MISMATCH = {62, 64}  # host name, IP address


def office_trust(ca_file: Path | str | None = None) -> ssl.SSLContext:
    """The context a lane verifies the office with: the system CAs, or only ``ca_file`` (a PEM
    bundle: a private CA) when set. Raises ``ValueError`` naming what is wrong with the file."""
    if ca_file is None:
        return ssl.create_default_context()  # OpenSSL's system store (/etc/ssl/certs), not certifi
    path = Path(ca_file)
    if not path.is_file():
        raise ValueError(f"no such file: {path}")
    try:
        return ssl.create_default_context(cafile=str(path))
    except (ssl.SSLError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path} holds no PEM certificate ({exc})") from None
    except OSError as exc:
        raise ValueError(f"{path} cannot be read ({exc.strerror})") from None


def in_clear(url: str) -> bool:
    """True for ``http://`` to a host other than this machine: the lane's API key and every code
    hash would cross the network unencrypted (allowed on a trusted LAN, worth a warning)."""
    parts = urlsplit(url)
    if parts.scheme != "http":
        return False
    host = (parts.hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True  # a name: it resolves to another machine as far as we know


CLEAR_TEXT_WARNING = (
    "lane.office_url is http:// to another machine: the lane's API key travels in clear; "
    "use https:// (see README 'The office behind a reverse proxy with TLS')"
)


@dataclass(frozen=True)
class TlsProblem:
    """Why the TLS connection to the office failed, and what a technician does about it."""

    what: str
    fix: str

    def __str__(self) -> str:
        return f"{self.what}: {self.fix}"


def tls_problem(exc: BaseException, *, ca_file: Path | str | None = None) -> TlsProblem | None:
    """The TLS failure behind a transport error (httpx wraps the ``ssl`` error in its cause
    chain), or None when the failure is not TLS (a refused connection, a timeout)."""
    cause = _ssl_cause(exc)
    if cause is None:
        return None
    if isinstance(cause, ssl.SSLCertVerificationError):
        reason = cause.verify_message or str(cause)
        if cause.verify_code in _HOST_MISMATCH:
            return TlsProblem(
                f"office certificate is for another host name ({reason})",
                "put the host name the certificate names in lane.office_url, "
                "or issue the office a certificate for the name the lane uses",
            )
        if cause.verify_code == _EXPIRED:
            return TlsProblem(
                f"office certificate has expired ({reason})",
                "renew the office's certificate, and check this Pi's clock (`timedatectl`)",
            )
        if cause.verify_code == _NOT_YET_VALID:
            return TlsProblem(
                f"office certificate is not valid yet ({reason})",
                "this Pi's clock is behind: `sudo timedatectl set-ntp true`",
            )
        if ca_file is not None:
            fix = f"{CA_KEY} ({ca_file}) must hold the CA that signed the office's certificate"
        else:
            fix = f"set {CA_KEY} to the PEM file of the CA that signed it (a private CA)"
        return TlsProblem(f"office certificate not trusted ({reason})", fix)
    return TlsProblem(
        f"TLS handshake with the office failed ({cause.reason or cause})",
        "check that the office serves https on that port (lane.office_url: https:// for a TLS proxy, "
        "http:// for ambil itself) and the proxy's TLS setup",
    )


def plain_http_to_https(url: str, status: int, body: str) -> TlsProblem | None:
    """An ``http://`` URL answered the way a TLS port answers plain HTTP (Caddy: "Client sent an
    HTTP request to an HTTPS server", nginx: "The plain HTTP request was sent to HTTPS port")."""
    if not url.startswith("http://") or status != 400 or "https" not in body[:2000].lower():
        return None
    return TlsProblem(
        "the office's port serves https, the lane speaks plain http to it",
        "use https:// in lane.office_url (and lane.office_ca_file for a private CA)",
    )


def _ssl_cause(exc: BaseException | None) -> ssl.SSLError | None:
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, ssl.SSLError):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None
