"""The lane's signalling and door supervision: the stack light and buzzer follow the screen, and
door alarms (forced, left open, out of service) are raised, sounded and kept for the status.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque

from controller.lane.screen import LaneState, LaneView, ScreenBus
from hardware.locker.door_watch import DoorAlarm, DoorWatch
from hardware.locker.interface import DOOR_LEFT_OPEN_SECONDS, LockerBank
from hardware.signals.interface import LaneSignals

log = logging.getLogger(__name__)

# the light for each screen state, and the sound when the state is entered
LIGHT = {
    LaneState.STARTING: "busy",
    LaneState.READY: "ready",
    LaneState.CHECKING: "busy",
    LaneState.PRINTING: "busy",
    LaneState.TAKE_DOCUMENT: "ready",
    LaneState.DOOR_OPEN: "ready",
    LaneState.REFUSED: "busy",
    LaneState.PROBLEM: "fault",
    LaneState.OFFLINE: "fault",
    LaneState.OUT_OF_SERVICE: "fault",
}
SOUND = {
    LaneState.TAKE_DOCUMENT: "ok",
    LaneState.DOOR_OPEN: "ok",
    LaneState.REFUSED: "error",
    LaneState.PROBLEM: "error",
}
LIMITED = "limited"  # the welcome screen while prints are unavailable but lockers work


def light_for(view: LaneView) -> str:
    """The light for what the screen shows: ``LIGHT`` by state, except the welcome screen while
    the printer cannot print (``prints=False``), whose light says "lockers only" (``limited``)."""
    if view.state == LaneState.READY and view.detail.get("prints") is False:
        return LIMITED
    return LIGHT.get(view.state, "busy")


ALARMING = {"forced", "left_open", "out_of_service", "sensor_error"}
CLEARING = {"closed", "restored", "sensor_ok"}


class LaneOutputs:
    """The lights follow ``screen``; one ``DoorWatch`` per bank of ``lockers`` raises door alarms
    (``open_too_long_s``: "left open"; ``not_detected_limit``: misses in a row -> out of service)."""

    def __init__(
        self,
        screen: ScreenBus,
        signals: LaneSignals | None,
        lockers: dict[str, LockerBank],
        *,
        open_too_long_s: float = DOOR_LEFT_OPEN_SECONDS,
        not_detected_limit: int = 2,
    ):
        self.screen = screen
        self.signals = signals
        self.alarms: deque[DoorAlarm] = deque(maxlen=50)
        self._lock = threading.Lock()
        self._unsubscribe = None
        self.door_watches = {
            bank_id: DoorWatch(
                bank,
                open_too_long_s=open_too_long_s,
                not_detected_limit=not_detected_limit,
                on_alarm=self.on_alarm,
            )
            for bank_id, bank in lockers.items()
        }

    def start(self) -> None:
        if self.signals is not None:
            self.signals.show("busy")
            self._unsubscribe = self.screen.subscribe(self._follow)
        for watch in self.door_watches.values():
            watch.start()

    def stop(self) -> None:
        if self._unsubscribe:
            self._unsubscribe()
        for watch in self.door_watches.values():
            watch.stop()
        if self.signals is not None:
            self.signals.close()  # every lamp and the buzzer off

    def on_alarm(self, alarm: DoorAlarm) -> None:
        """Called from a DoorWatch thread."""
        with self._lock:
            self.alarms.append(alarm)
        level = logging.WARNING if alarm.kind in ALARMING else logging.INFO
        log.log(level, "locker %s door %s: %s %s", alarm.bank, alarm.door, alarm.kind, alarm.detail)
        if self.signals is None:
            return
        if alarm.kind in ("forced", "left_open"):
            self.signals.beep("alarm")
        elif alarm.kind in CLEARING and not self.active_alarms():
            self.signals.silence()

    def active_alarms(self) -> list[DoorAlarm]:
        active = []
        for watch in self.door_watches.values():
            active.extend(watch.active_alarms())
        return active

    def status(self) -> dict:
        with self._lock:
            recent = list(self.alarms)[-10:]
        return {
            "active_alarms": [_alarm_dict(a) for a in self.active_alarms()],
            "recent_alarms": [_alarm_dict(a) for a in recent],
            "doors_out_of_service": {
                bank: sorted(watch.out_of_service()) for bank, watch in self.door_watches.items()
            },
        }

    def _follow(self, view: LaneView) -> None:
        try:
            self.signals.show(light_for(view))
            sound = SOUND.get(view.state)
            if sound:
                self.signals.beep(sound)
        except Exception:  # a lamp must never break a release
            log.exception("signals failed")


def _alarm_dict(alarm: DoorAlarm) -> dict:
    return {
        "bank": alarm.bank,
        "door": alarm.door,
        "kind": alarm.kind,
        "detail": alarm.detail,
        "at": alarm.at,
        "age_s": round(time.time() - alarm.at, 1),
    }
