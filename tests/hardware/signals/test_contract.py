"""The same behaviour from the GPIO driver (on MockFactory) and the simulator.

Each probe reads what a driver at the lane would see: which lamps are lit, how many beeps
sounded, and plays a vehicle arriving or leaving.
"""

from __future__ import annotations

import time

import pytest
from gpiozero.pins.mock import MockFactory

from hardware.signals.gpio_signals import GpioSignals
from hardware.signals.interface import BEEP_PATTERNS, BeepPattern
from hardware.signals.sim import SimSignals
from tests.hardware.signals.helpers import rises
from tests.rigs.wait import wait_for

PINS = {"green": 5, "amber": 6, "red": 13}
BUZZER, VEHICLE = 19, 26
FAST = {
    "ok": BeepPattern(0.01, 0.01, 1),
    "error": BeepPattern(0.01, 0.01, 3),
    "alarm": BeepPattern(0.02, 0.02, None),
}


class GpioProbe:
    def __init__(self):
        self.factory = MockFactory()
        self.signals = GpioSignals(
            green_pin=PINS["green"],
            amber_pin=PINS["amber"],
            red_pin=PINS["red"],
            buzzer_pin=BUZZER,
            vehicle_pin=VEHICLE,
            vehicle_bounce_s=0.02,
            patterns=FAST,
            pin_factory=self.factory,
        )

    def lit(self) -> set[str]:
        return {colour for colour, n in PINS.items() if self.factory.pin(n).state}

    def beeps_settled(self, count: int) -> bool:
        buzzer = self.factory.pin(BUZZER)
        return wait_for(
            lambda: rises(buzzer) == count and buzzer.state is False, what=f"{count} beeps, buzzer off"
        )

    def sounding(self) -> bool:
        buzzer = self.factory.pin(BUZZER)
        start = rises(buzzer)
        return wait_for(lambda: rises(buzzer) >= start + 2, what="the alarm to keep sounding")

    def silent(self) -> bool:
        buzzer = self.factory.pin(BUZZER)
        start = rises(buzzer)
        # "Nothing more comes": silence() stops gpiozero's blink thread before it returns, so no
        # beep may start in this window (ten alarm periods); a busy machine only shortens it.
        time.sleep(0.4)
        return buzzer.state is False and rises(buzzer) == start

    def vehicle(self, present: bool) -> None:
        pin = self.factory.pin(VEHICLE)
        pin.drive_low() if present else pin.drive_high()

    def all_outputs_off(self) -> bool:
        return not any(self.factory.pin(n).state for n in [*PINS.values(), BUZZER])


class SimProbe:
    def __init__(self):
        self.signals = SimSignals()

    def lit(self) -> set[str]:
        return set(self.signals.lamps)

    def beeps_settled(self, count: int) -> bool:
        tones = sum(BEEP_PATTERNS[pattern].count or 0 for pattern in self.signals.beeps)
        return tones == count

    def sounding(self) -> bool:
        return self.signals.alarming

    def silent(self) -> bool:
        return not self.signals.alarming

    def vehicle(self, present: bool) -> None:
        self.signals.set_vehicle(present)

    def all_outputs_off(self) -> bool:
        return not self.signals.lamps and not self.signals.alarming


@pytest.fixture(params=["gpio", "sim"])
def probe(request):
    probe = GpioProbe() if request.param == "gpio" else SimProbe()
    yield probe
    probe.signals.close()


@pytest.mark.parametrize(
    ("state", "lit"), [("ready", {"green"}), ("busy", {"amber"}), ("fault", {"red"}), ("off", set())]
)
def test_light_states(probe, state, lit):
    probe.signals.show(state)
    assert probe.lit() == lit
    assert probe.signals.status().info["light"] == state
    assert probe.signals.status().kind == "signals"


def test_beeps_count_and_alarm_outranks_them(probe):
    signals = probe.signals
    signals.beep("ok")
    assert probe.beeps_settled(1)
    signals.beep("error")
    assert probe.beeps_settled(4)
    signals.beep("alarm")
    assert probe.sounding()
    signals.beep("error")  # dropped while the alarm sounds
    signals.silence()
    assert probe.silent()
    assert signals.status().info["alarm"] is False


def test_vehicle_callbacks_on_change_only(probe):
    seen: list[bool] = []
    probe.signals.on_vehicle(seen.append)
    assert probe.signals.vehicle_present() is False
    probe.vehicle(True)
    wait_for(lambda: seen == [True])
    probe.vehicle(True)
    probe.vehicle(False)
    wait_for(lambda: seen == [True, False])
    assert probe.signals.vehicle_present() is False
    assert probe.signals.status().info["vehicle_present"] is False


def test_close_leaves_everything_off_and_ignores_later_calls(probe):
    probe.signals.show("ready")
    probe.signals.beep("alarm")
    probe.signals.close()
    assert probe.all_outputs_off()
    probe.signals.show("fault")
    assert probe.lit() == set()
    assert probe.signals.status().state == "offline"
