"""The whole configuration as one validated model, loaded from one TOML file.

Unknown keys are errors (``extra="forbid"``) and every error names its key path, e.g.
``lane.printer.queue: Field required``. With no file, the all-in-one default runs: one process,
SQLite under the state directory, simulated lane hardware.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import Field, StrictBool, ValidationError, field_validator, model_validator

from controller.config_devices import (  # noqa: F401 - the device sections are part of this config
    CameraScannerConfig,
    CupsPrinterConfig,
    GpioLockerConfig,
    GpioSignalsConfig,
    LockerConfig,
    LockerPlacement,
    NoPrinterConfig,
    NoScannerConfig,
    NoSignalsConfig,
    PrinterConfig,
    ScannerConfig,
    SerialLockerConfig,
    SerialScannerConfig,
    SignalsConfig,
    SimLockerConfig,
    SimPrinterConfig,
    SimScannerConfig,
    SimSignalsConfig,
    Strict,
)
from controller.kernel.clock import OFFLINE_GRACE_MAX_SECONDS
from controller.kernel.office_tls import office_trust
from controller.kernel.zone import DEFAULT_ZONE, load_zone
from hardware.locker.interface import DOOR_LEFT_OPEN_SECONDS


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
    lane_command_seconds: float = Field(
        20.0, gt=1, le=600, description="a command to a lane (open a door, a self-test) expires this late"
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
    office_ca_file: Path | None = Field(None, description="PEM CA of an https office; unset = system CAs")
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
    # strict: a lax "on" or 1 would be read as true; TOML has booleans, so a bad value is a typo
    speech: StrictBool = Field(False, description="say each state aloud; clips: `ambil speech build`")

    @field_validator("office_url")
    @classmethod
    def _http_or_https(cls, url):
        if url is not None and not url.startswith(("http://", "https://")):
            raise ValueError(f"must start with http:// or https://, got {url!r}")
        return url

    @field_validator("office_ca_file")
    @classmethod
    def _a_ca_bundle(cls, path):
        if path is not None:
            office_trust(path)  # ValueError -> "lane.office_ca_file: Value error, no such file: ..."
        return path

    @field_validator("lockers")
    @classmethod
    def _unique_ids(cls, lockers):
        ids = [bank.id for bank in lockers]
        if len(ids) != len(set(ids)):
            raise ValueError(f"locker ids must be unique, got {ids}")
        return lockers


class SiteConfig(Strict):
    """The place ambil serves: its time zone, for every time shown and every day counted."""

    timezone: str = Field(
        DEFAULT_ZONE, description="IANA name: slips, pages, messages and reports use it (WITA, WIB, ...)"
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        load_zone(name)  # ValueError -> "site.timezone: Value error, not a time zone ..."
        return name

    def zone(self):
        """The zone as a ``tzinfo``."""
        return load_zone(self.timezone)


class Config(Strict):
    role: Literal["all-in-one", "office", "lane"] = "all-in-one"
    state_dir: Path = Field(default_factory=lambda: default_state_dir())
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    http: HttpConfig = Field(default_factory=HttpConfig)
    office: OfficeConfig = Field(default_factory=OfficeConfig)
    lane: LaneConfig = Field(default_factory=LaneConfig)
    notify: NotifyConfig = Field(default_factory=NotifyConfig)
    alerts: AlertsConfig = Field(default_factory=AlertsConfig)
    site: SiteConfig = Field(default_factory=SiteConfig)

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
