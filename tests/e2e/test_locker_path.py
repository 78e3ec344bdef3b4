"""The locker path end to end on real HTTP, with the real GPIO driver on gpiozero's MockFactory."""

from __future__ import annotations

import threading

import pytest
from gpiozero.pins.mock import MockFactory

from hardware.locker.gpio_locker import GpioLockerBank
from tests.hardware.locker.test_gpio_locker import high_intervals
from tests.rigs.server import LiveServer
from tests.rigs.wait import wait_for

RELAYS = [5, 6, 13, 19]
SENSORS = [12, 16, 20, 21]
PULSE_MS = 300


class DoorMechanics:
    """The physical side of the locker: a door springs open while its relay is energised."""

    def __init__(self, factory: MockFactory):
        self.factory = factory
        self._stop = threading.Event()
        for pin in SENSORS:
            factory.pin(pin).drive_low()  # every door shut (reed switch closed)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.wait(0.005):
            for relay, sensor in zip(RELAYS, SENSORS, strict=True):
                if self.factory.pin(relay).state:
                    self.factory.pin(sensor).drive_high()

    def stop(self):
        self._stop.set()
        self._thread.join()


@pytest.fixture
def factory():
    return MockFactory()


def test_locker_path_pulses_exactly_one_door_once(build, factory):
    bank = GpioLockerBank(
        name="A", relay_pins=RELAYS, sensor_pins=SENSORS, pin_factory=factory, max_pulse_ms=1000
    )
    mechanics = DoorMechanics(factory)
    for pin in RELAYS:
        factory.pin(pin).clear_states()
    try:
        system = build(drivers={"lockers": {"A": bank}}, pulse_ms=PULSE_MS, result_seconds=60.0)
        key = system.office.create_api_key("staff")
        with LiveServer(system) as server, server.client(key) as api:
            doc = api.post(
                "/api/v1/documents",
                data={"kind": "locker", "title": "Paspor", "locker_bank": "A", "door": "3", "loaded": "true"},
            )
            assert doc.status_code == 201, doc.text
            doc_id = doc.json()["id"]
            code = api.post(f"/api/v1/documents/{doc_id}/ready").json()["code"]
            api.post("/api/v1/lane/scan", json={"text": code})
            wait_for(
                lambda: api.get(f"/api/v1/documents/{doc_id}").json()["state"] == "released",
                what="locker document released",
            )
            view = api.get("/api/v1/lane").json()["view"]
            assert view["state"] == "door_open" and view["detail"]["door"] == 3
            assert "3" in view["text_id"]
    finally:
        mechanics.stop()
    door3 = factory.pin(RELAYS[2])
    ((start, end),) = high_intervals(door3)  # exactly one pulse
    assert 0.9 * PULSE_MS / 1000 <= end - start <= PULSE_MS / 1000 + 0.1  # once, within its length
    for other in (RELAYS[0], RELAYS[1], RELAYS[3]):
        assert high_intervals(factory.pin(other)) == []  # never moved
    assert factory.pin(SENSORS[2]).state is True  # the door sensor read opened
    assert door3.state is False  # relay off after the pulse and after shutdown
