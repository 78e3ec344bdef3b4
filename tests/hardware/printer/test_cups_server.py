"""One parser for the CUPS ``server`` setting, used by the driver and by ``ambil doctor``."""

from __future__ import annotations

import cups
import pytest

from controller.config import CupsPrinterConfig
from controller.ops.doctor.devices import printer_findings
from hardware.printer.cups_server import split_server


@pytest.mark.parametrize(
    ("server", "parts"),
    [
        ("127.0.0.1:8631", ("127.0.0.1", 8631)),
        ("printhost:631", ("printhost", 631)),
        ("printhost", ("printhost", None)),
        ("/run/cups/cups.sock", ("/run/cups/cups.sock", None)),
        ("[::1]:631", ("::1", 631)),
        ("[fe80::1]", ("fe80::1", None)),
        ("::1", ("::1", None)),  # a bare IPv6 address: no port hides in its colons
    ],
)
def test_split_server(server, parts):
    assert split_server(server) == parts


class FakeCups:
    """Records where libcups was pointed; answers one queue."""

    def __init__(self, monkeypatch) -> None:
        self.calls: list[tuple[str, object]] = []
        monkeypatch.setattr(cups, "setServer", lambda host: self.calls.append(("server", host)))
        monkeypatch.setattr(cups, "setPort", lambda port: self.calls.append(("port", port)))
        monkeypatch.setattr(cups, "setPasswordCB", lambda _cb: None)
        monkeypatch.setattr(cups, "Connection", lambda: self)

    def getPrinters(self):  # noqa: N802 (pycups' name)
        return {
            "front": {
                "printer-is-accepting-jobs": True,
                "printer-state": 3,
                "printer-state-reasons": ["none"],
            }
        }


@pytest.mark.parametrize(
    ("server", "calls"),
    [
        ("[::1]:631", [("server", "::1"), ("port", 631)]),  # the doctor's own parser said "[::1]"
        ("printhost:8631", [("server", "printhost"), ("port", 8631)]),
    ],
)
def test_doctor_reaches_the_server_the_driver_would(monkeypatch, server, calls):
    fake = FakeCups(monkeypatch)
    findings = printer_findings(CupsPrinterConfig(type="cups", queue="front", server=server))
    assert fake.calls == calls
    assert [f.status for f in findings] == ["OK"], findings
