"""A device that fails at start is reported failed and the rest of the process serves (issue 12
point 5, moonraker's failed_components): a Pi without GPIO access used to take the whole
all-in-one process, office included, down with GpioLockerBank's DeviceOffline."""

from __future__ import annotations

import gpiozero
from gpiozero.pins.mock import MockFactory

from tests.conftest import lane_config
from tests.controller.lane.conftest import issue_locker, wait_done
from tests.rigs.server import LiveServer
from tests.rigs.wait import wait_for
from tests.web.helpers import browser, login

PASSWORD = "a-long-password"


class NoGpioAccess(MockFactory):
    """A pin factory that cannot open a pin, like lgpio without access to /dev/gpiochip0."""

    def pin(self, spec, **kwargs):
        raise PermissionError(13, "Permission denied", "/dev/gpiochip0")


def test_a_gpio_bank_that_cannot_open_its_pins_leaves_the_office_and_the_other_bank_serving(
    tmp_path, monkeypatch
):
    from web.app import build_system

    monkeypatch.setattr(gpiozero.Device, "pin_factory", NoGpioAccess())  # the process's default factory
    config = lane_config(
        tmp_path / "state",
        lockers=[
            {"type": "gpio", "id": "G", "relay_pins": [17, 27]},
            {"type": "sim", "id": "A", "doors": 4},
        ],
        heartbeat_seconds=0.2,
        dedupe_seconds=0.1,
    )
    system = build_system(config)  # raised DeviceOffline before
    system.lane.settings.status_interval = 0.2
    system.accounts.create_user("tek", PASSWORD, "technician")
    with LiveServer(system) as server, server.client() as http:
        ready = http.get("/readyz")
        assert ready.status_code == 200, ready.text  # the lane can still serve a pickup (bank A)
        failed = ready.json()["checks"]["failed"]
        assert list(failed) == ["locker:G"]
        assert "cannot open GPIO pins" in failed["locker:G"] and "Permission denied" in failed["locker:G"]
        assert ready.json()["checks"]["locker:A"] == "ok"

        # the office serves, and the lane releases from the bank that did start
        _, code = issue_locker(system.office, door=2, bank="A")
        system.lane.simulate_scan(text=code)
        (done,) = wait_done(system.lane)
        assert done.outcome == "released"
        assert [p[0] for p in system.lane.lockers["A"].pulses] == [2]

        # a pickup for the failed bank: nothing is energised, the pickup stays claimable
        doc_id, code_g = issue_locker(system.office, door=1, bank="G")
        system.lane.simulate_scan(text=code_g)
        rows = wait_done(system.lane, count=2)
        assert rows[-1].outcome == "failed"
        assert system.office.get_document(doc_id)["state"] == "ready"

        # the dashboard names the device and why
        tech = browser(server.url)
        assert login(tech, "tek", PASSWORD).status_code == 303
        wait_for(lambda: system.fleet.lanes()[0]["reported"], what="first heartbeat")
        page = tech.get("/dashboard/lanes/lane-1?lang=en").text
        row = page[page.index('data-device="locker:G"') :].split("</li>")[0]
        assert 'data-state="offline"' in row and "failed at start" in row  # the reason, as words
        assert "cannot open GPIO pins" in row  # the driver's own detail, kept (marked as such)
