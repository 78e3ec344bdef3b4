"""The device sections of the configuration: one model per `type`, picked by the `type` key.

Part of the one configuration model (``controller/config.py``, whose lane section uses them); each
model forbids unknown keys, so a typo names its key path instead of being ignored.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from hardware.scanner.frame_budget import DEFAULT_BUDGET_MS, DEFAULT_IDLE_COSTLY_EVERY


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SimScannerConfig(Strict):
    type: Literal["sim"] = "sim"


class CameraScannerConfig(Strict):
    type: Literal["camera"]
    source: str | int = Field(0, description="device index, /dev/video path, file, or stream URL")
    fps_cap: float = Field(10.0, gt=0, le=120)
    width: int | None = Field(None, gt=0)
    height: int | None = Field(None, gt=0)
    loop: bool = Field(False, description="replay a video file forever (demo)")
    stall_seconds: float = Field(5.0, gt=0, le=120, description="no frame this long = offline")
    roi: tuple[float, float, float, float] | None = Field(
        None, description="decode only this region: x, y, width, height as fractions of the frame"
    )
    exposure: float | None = Field(None, description="manual exposure (V4L2 units); unset = auto")
    auto_exposure: bool | None = None
    try_inverted: bool = Field(True, description="also read light-on-dark codes (phone dark mode)")
    idle_fps: float = Field(2.0, gt=0, le=60, description="decode rate when nothing happens")
    idle_after: float = Field(10.0, gt=0, le=3600, description="seconds without a code before idling")
    wake_on_vehicle: bool = Field(False, description="decode only while the vehicle sensor sees a car")
    release_when_asleep: bool = False
    decode_budget_ms: float = Field(
        DEFAULT_BUDGET_MS,
        gt=0,
        le=2000,
        description="time budget of one frame's decode: no later reader starts once it is spent",
    )
    costly_readers: bool = Field(
        True,
        description="WeChat's CNN detector and super-resolution, and OpenCV's curved-surface "
        "decoder, where a code is likely",
    )
    idle_costly_every: int = Field(
        DEFAULT_IDLE_COSTLY_EVERY,
        ge=0,
        le=10000,
        description="frames with no sign of a code get the CNN readers at most once in this many (0: never)",
    )


class SerialScannerConfig(Strict):
    type: Literal["serial"]
    port: str = Field("/dev/ambil-scanner", min_length=1, description="udev symlink or /dev/tty*")
    baudrate: int = Field(9600, ge=300, le=921600)
    suffix: Literal["auto", "cr", "lf", "crlf", "tab"] = "auto"


class NoScannerConfig(Strict):
    type: Literal["none"]


ScannerConfig = Annotated[
    SimScannerConfig | CameraScannerConfig | SerialScannerConfig | NoScannerConfig,
    Field(discriminator="type"),
]


class SimPrinterConfig(Strict):
    type: Literal["sim"] = "sim"
    seconds_per_page: float = Field(0.5, ge=0, le=60)
    paper: int | None = Field(None, ge=0, description="sheets loaded; unset = endless")


class CupsPrinterConfig(Strict):
    type: Literal["cups"]
    queue: str = Field(min_length=1)
    server: str | None = Field(None, description="host:port or socket path; unset = system default")
    error_policy: Literal["abort-job", "retry-job", "retry-current-job", "stop-printer"] = "abort-job"


class NoPrinterConfig(Strict):
    type: Literal["none"]


PrinterConfig = Annotated[SimPrinterConfig | CupsPrinterConfig | NoPrinterConfig, Field(discriminator="type")]


class LockerPlacement(Strict):
    """Where a bank stands and how its doors are laid out, so the screen can say where door N is."""

    columns: int = Field(4, ge=1, le=32, description="doors per row, numbered left to right, top down")
    where: str = Field("", max_length=80, description="e.g. 'di kanan jalur' (shown on the lane screen)")
    where_en: str = Field("", max_length=80, description="e.g. 'on the right of the lane'")
    sizes: list[Literal["S", "M", "L"]] = Field(
        default_factory=list, max_length=128, description="door sizes, door 1 first (announced to the office)"
    )


class SimLockerConfig(LockerPlacement):
    type: Literal["sim"] = "sim"
    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_-]+$")
    doors: int = Field(ge=1, le=128)
    sensors: bool = True
    stuck_doors: list[int] = Field(default_factory=list, description="doors that never open (demo)")


class GpioLockerConfig(LockerPlacement):
    type: Literal["gpio"]
    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_-]+$")
    relay_pins: list[int | str] = Field(min_length=1)
    sensor_pins: list[int | str] | None = None
    relay_active_high: bool = True
    sensor_pull_up: bool = True
    sensor_open_when: Literal["high", "low"] = "high"
    max_pulse_ms: int = Field(1000, ge=50, le=5000)

    @property
    def doors(self) -> int:
        return len(self.relay_pins)

    @model_validator(mode="after")
    def _sensors_match_relays(self):
        if self.sensor_pins is not None and len(self.sensor_pins) != len(self.relay_pins):
            raise ValueError("sensor_pins must list one pin per door in relay_pins")
        return self


class SerialLockerConfig(LockerPlacement):
    """Kerong KR-CU16 style RS485 lock boards; several boards share one bus by address."""

    type: Literal["serial"]
    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_-]+$")
    port: str = Field("/dev/ambil-lockboard", min_length=1)
    boards: list[int] = Field(default_factory=lambda: [0], min_length=1)
    doors_per_board: int = Field(16, ge=1, le=16)
    baudrate: int = Field(9600, ge=1200, le=115200)
    timeout: float = Field(0.3, gt=0, le=5)
    retries: int = Field(2, ge=0, le=5)
    sensors: bool = True
    max_pulse_ms: int = Field(1000, ge=50, le=5000)

    @property
    def doors(self) -> int:
        return len(self.boards) * self.doors_per_board

    @field_validator("boards")
    @classmethod
    def _addresses(cls, boards):
        if any(not 0 <= b <= 15 for b in boards) or len(set(boards)) != len(boards):
            raise ValueError("board addresses must be distinct, 0..15")
        return boards


LockerConfig = Annotated[SimLockerConfig | GpioLockerConfig | SerialLockerConfig, Field(discriminator="type")]


class SimSignalsConfig(Strict):
    type: Literal["sim"] = "sim"
    vehicle_sensor: bool = True


class GpioSignalsConfig(Strict):
    """A stack light or traffic light, a buzzer and a vehicle-present input (BCM pins)."""

    type: Literal["gpio"]
    green_pin: int | str | None = None
    amber_pin: int | str | None = None
    red_pin: int | str | None = None
    buzzer_pin: int | str | None = None
    vehicle_pin: int | str | None = None
    active_high: bool = True
    vehicle_active_low: bool = True
    vehicle_bounce_s: float = Field(0.5, ge=0, le=10)


class NoSignalsConfig(Strict):
    type: Literal["none"]


SignalsConfig = Annotated[SimSignalsConfig | GpioSignalsConfig | NoSignalsConfig, Field(discriminator="type")]
