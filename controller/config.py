"""The whole configuration as one validated model, loaded from one TOML file.

Unknown keys are errors (``extra="forbid"``) and every error names its key path, e.g.
``lane.printer.queue: Field required``. With no file, the all-in-one default runs: one process,
SQLite under the state directory, simulated lane hardware.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from controller.kernel.clock import OFFLINE_GRACE_MAX_SECONDS
from hardware.locker.interface import DOOR_LEFT_OPEN_SECONDS
from hardware.scanner.frame_budget import DEFAULT_BUDGET_MS, DEFAULT_IDLE_COSTLY_EVERY


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- devices: one model per `type`, picked by the `type` key -----------------------------------
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
        True, description="WeChat's CNN detector and super-resolution where a code is likely"
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


# -- sections -------------------------------------------------------------------------------
class HttpConfig(Strict):
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    # request bodies are refused beyond these before they are read (web/body_guard.py)
    max_body_mb: float = Field(
        2, gt=0, le=200, description="largest request body on a route without a file (JSON, forms)"
    )
    max_upload_body_mb: float | None = Field(
        None,
        gt=0,
        le=400,
        description="largest request body on a route that takes a file; unset = office.max_upload_mb + 1",
    )


class OfficeConfig(Strict):
    database_url: str | None = Field(None, description="unset = SQLite file in the state directory")
    public_url: str | None = Field(
        None, description="base URL citizens open (links in slips and messages); unset = http.host:port"
    )
    max_upload_mb: float = Field(10, gt=0, le=200)
    max_pages: int = Field(50, ge=1, le=1000)
    default_expiry_days: int = Field(14, ge=1, le=365)
    # bounded guessing (controller/office/guessing.py): wrong short codes and PINs
    short_code_lockout: int = Field(5, ge=1, le=100, description="misses in a row that lock a lane out")
    lockout_minutes: int = Field(5, ge=1, le=1440)
    guess_window_minutes: int = Field(60, ge=1, le=1440, description="the window of the two limits below")
    lane_guess_limit: int = Field(20, ge=1, le=1000, description="misses per lane within the window")
    site_guess_limit: int = Field(40, ge=1, le=10000, description="misses per site within the window")
    pin_lockout: int = Field(5, ge=1, le=20, description="wrong PINs before a pickup needs a new code")
    claim_lease_minutes: float = Field(
        5, ge=1, le=120, description="a locker claim with no outcome this long becomes uncertain"
    )
    print_claim_lease_minutes: float = Field(
        30, ge=1, le=1440, description="the same for a print claim (longer than lane.print_timeout)"
    )
    lane_offline_seconds: float = Field(
        12.0, gt=0, le=3600, description="a lane with no heartbeat this long is shown offline"
    )


class NotifyConfig(Strict):
    """How citizens hear that a document is ready (and agencies that it was collected)."""

    channel: Literal["log", "email", "webhook"] = Field(
        "log", description="log (default: only written to the log), email (SMTP), webhook (SMS/WA gateway)"
    )
    smtp_host: str = "localhost"
    smtp_port: int = Field(25, ge=1, le=65535)
    smtp_starttls: bool = False
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "ambil@localhost"
    webhook_url: str | None = Field(None, description="POSTed JSON {to, text, ...} for a message gateway")
    max_attempts: int = Field(8, ge=1, le=100)
    retry_seconds: float = Field(30.0, gt=0, le=86400, description="first retry delay; doubles each time")

    @model_validator(mode="after")
    def _webhook_needs_url(self):
        if self.channel == "webhook" and not self.webhook_url:
            raise ValueError("channel 'webhook' needs notify.webhook_url")
        return self


class AlertsConfig(Strict):
    """Thresholds of the technician alerts, and who hears about them."""

    disk_free_percent: float = Field(10.0, ge=0, le=100, description="alert below this share free")
    disk_free_mb: float = Field(1024.0, ge=0, description="alert below this much free")
    temperature_c: float = Field(75.0, gt=0, le=120, description="alert above this CPU temperature")
    notify_to: str | None = Field(
        None, description="technicians' e-mail (email channel) or phone (webhook channel) for alerts"
    )


class LaneConfig(Strict):
    id: str = Field("lane-1", pattern=r"^[A-Za-z0-9_-]+$")
    name: str = "Lajur 1"
    office_url: str | None = Field(None, description="role=lane only: the office's base URL")
    api_key: str | None = Field(None, description="role=lane only: this lane's API key")
    dedupe_seconds: float = Field(3.0, gt=0, le=60)
    result_seconds: float = Field(8.0, gt=0, le=120)
    pulse_ms: int = Field(500, ge=50, le=5000)
    door_open_timeout: float = Field(10.0, gt=0, le=120)
    print_timeout: float = Field(180.0, gt=0, le=3600)
    scanner: ScannerConfig = Field(default_factory=SimScannerConfig)
    printer: PrinterConfig = Field(default_factory=SimPrinterConfig)
    lockers: list[LockerConfig] = Field(default_factory=lambda: [SimLockerConfig(id="A", doors=12)])
    signals: SignalsConfig = Field(default_factory=SimSignalsConfig)
    door_left_open_seconds: float = Field(
        DOOR_LEFT_OPEN_SECONDS,
        gt=0,
        le=3600,
        description="alarm (and the driver's WARNING) after this long open",
    )
    not_detected_limit: int = Field(2, ge=1, le=10, description="'not detected' in a row -> out of service")
    trust_loopback: bool = Field(True, description="lane endpoints admit requests from the Pi itself")
    heartbeat_seconds: float = Field(3.0, gt=0, le=300, description="how often the lane reports its health")
    site: str = Field("", max_length=200, description="the site (MPP) the lane stands at, for the dashboard")
    sync_seconds: float = Field(10.0, gt=0, le=3600, description="how often the lane syncs offline pickups")
    offline_grace_seconds: float = Field(
        4 * 3600.0,
        ge=0,
        le=OFFLINE_GRACE_MAX_SECONDS,
        description="offline releases only this long after the last sync",
    )

    @field_validator("lockers")
    @classmethod
    def _unique_ids(cls, lockers):
        ids = [bank.id for bank in lockers]
        if len(ids) != len(set(ids)):
            raise ValueError(f"locker ids must be unique, got {ids}")
        return lockers


class Config(Strict):
    role: Literal["all-in-one", "office", "lane"] = "all-in-one"
    state_dir: Path = Field(default_factory=lambda: default_state_dir())
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    http: HttpConfig = Field(default_factory=HttpConfig)
    office: OfficeConfig = Field(default_factory=OfficeConfig)
    lane: LaneConfig = Field(default_factory=LaneConfig)
    notify: NotifyConfig = Field(default_factory=NotifyConfig)
    alerts: AlertsConfig = Field(default_factory=AlertsConfig)

    @model_validator(mode="after")
    def _lane_needs_office(self):
        if self.role == "lane" and not (self.lane.office_url and self.lane.api_key):
            raise ValueError("role 'lane' needs lane.office_url and lane.api_key")
        return self

    @model_validator(mode="after")
    def _leases_outlast_the_lane(self):
        # a lease that ran out while the lane still acts would send staff to check a live release
        lease = self.office.print_claim_lease_minutes * 60
        if self.role == "all-in-one" and lease <= self.lane.print_timeout:
            raise ValueError("office.print_claim_lease_minutes must be longer than lane.print_timeout")
        return self

    @property
    def database_url(self) -> str:
        return self.office.database_url or f"sqlite:///{self.state_dir / 'office.db'}"

    @property
    def upload_body_limit(self) -> int:
        """Bytes of request body a route that takes a file may receive: the upload limit plus
        1 MB for the multipart framing and the form's other fields, unless set on its own."""
        mb = self.http.max_upload_body_mb
        return int((mb if mb is not None else self.office.max_upload_mb + 1) * 2**20)

    @property
    def body_limit(self) -> int:
        """Bytes of request body any other route may receive."""
        return int(self.http.max_body_mb * 2**20)

    @property
    def public_url(self) -> str:
        host = "127.0.0.1" if self.http.host in ("0.0.0.0", "::") else self.http.host
        return (self.office.public_url or f"http://{host}:{self.http.port}").rstrip("/")


def default_state_dir() -> Path:
    """$AMBIL_STATE_DIR, else systemd's $STATE_DIRECTORY, else ~/.local/state/ambil."""
    for var in ("AMBIL_STATE_DIR", "STATE_DIRECTORY"):
        if os.environ.get(var):
            return Path(os.environ[var].split(":")[0])
    return Path.home() / ".local" / "state" / "ambil"


class ConfigError(Exception):
    """A config file that cannot be used; ``problems`` lists 'key.path: what is wrong'."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


def _key_path(loc: tuple, data: dict) -> str:
    """Join a pydantic error location, leaving out the `type` tags of tagged unions."""
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
            continue
        if item in {"sim", "camera", "cups", "gpio", "serial", "none"} and parts:
            continue  # discriminator tag, not a key the user wrote
        parts.append(("." if parts else "") + str(item))
    return "".join(parts) or "(top level)"


def parse_config(data: dict, source: str = "<config>") -> Config:
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            path = _key_path(err["loc"], data)
            msg = err["msg"]
            if err["type"] == "extra_forbidden":
                msg = "unknown key (check the spelling; see systemd/ambil.example.toml)"
            problems.append(f"{path}: {msg}")
        raise ConfigError(source, problems) from None


def load_config(path: Path | None) -> Config:
    """Load and validate ``path``; ``None`` gives the all-in-one default."""
    if path is None:
        return Config()
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(str(path), ["file not found"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), [f"not valid TOML: {exc}"]) from None
    return parse_config(data, str(path))
