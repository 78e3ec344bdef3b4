"""Device drivers from the config's ``type`` keys: one builder per kind of device.

Part of the composition root (``controller.system``): nothing else picks a driver class.
A driver whose constructor raises is replaced by its stand-in from ``hardware.failed`` (OFFLINE,
reason ``failed-at-start``, the error as detail), so one missing device never takes the process
down: the office and the lane's other devices keep serving (DESIGN 3 and 6).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from controller.config import Config
from controller.kernel.codes import parse_code
from controller.kernel.errors import CodeError
from hardware.failed import (
    FailedDevice,
    FailedLockerBank,
    FailedPrinter,
    FailedScanner,
    FailedSignals,
    describe_failure,
)
from hardware.locker.interface import LockerBank
from hardware.printer.interface import Printer
from hardware.scanner.frame_budget import DEFAULT_BUDGET_MS, DEFAULT_IDLE_COSTLY_EVERY
from hardware.scanner.interface import Scanner

log = logging.getLogger(__name__)


def _started_or_failed(what: str, build: Callable, failed: Callable[[str], object]):
    """``build()``, or ``failed(why)`` when the driver cannot start (logged once, with the why)."""
    try:
        return build()
    except Exception as exc:  # any driver, any library: the process must keep serving
        why = describe_failure(exc)
        log.error("%s failed at start, serving without it: %s", what, why)
        return failed(why)


def failed_at_start(device) -> str | None:
    """Why ``device`` is a stand-in for a driver that did not start (``hardware.failed``), or None."""
    return device.error if isinstance(device, FailedDevice) else None


def build_signals(config: Config, *, pin_factory=None):
    """The lane's lights, buzzer and vehicle sensor (None: none configured)."""
    return _started_or_failed(
        "signals", lambda: _build_signals(config, pin_factory), lambda why: FailedSignals("signals", why)
    )


def _build_signals(config: Config, pin_factory):
    cfg = config.lane.signals
    if cfg.type == "none":
        return None
    if cfg.type == "sim":
        from hardware.signals.sim import SimSignals

        return SimSignals(vehicle_sensor=cfg.vehicle_sensor)
    from hardware.signals.gpio_signals import GpioSignals

    return GpioSignals(
        green_pin=cfg.green_pin,
        amber_pin=cfg.amber_pin,
        red_pin=cfg.red_pin,
        buzzer_pin=cfg.buzzer_pin,
        vehicle_pin=cfg.vehicle_pin,
        active_high=cfg.active_high,
        vehicle_active_low=cfg.vehicle_active_low,
        vehicle_bounce_s=cfg.vehicle_bounce_s,
        **({"pin_factory": pin_factory} if pin_factory is not None else {}),
    )


def build_scanner(config: Config) -> Scanner | None:
    return _started_or_failed(
        "scanner", lambda: _build_scanner(config), lambda why: FailedScanner("scanner", why)
    )


def _build_scanner(config: Config) -> Scanner | None:
    cfg = config.lane.scanner
    if cfg.type == "none":
        return None
    if cfg.type == "sim":
        from hardware.scanner.sim import SimScanner

        return SimScanner()
    if cfg.type == "serial":
        from hardware.scanner.serial_scanner import SerialScanner

        return SerialScanner(port=cfg.port, baudrate=cfg.baudrate, suffix=cfg.suffix)
    from hardware.scanner.camera import CameraScanner

    decoder = build_decoder(
        try_inverted=cfg.try_inverted,
        budget_ms=cfg.decode_budget_ms,
        costly_readers=cfg.costly_readers,
        idle_costly_every=cfg.idle_costly_every,
    )
    return CameraScanner(
        cfg.source,  # parsed by the driver (hardware/scanner/capture_source.py), nowhere else
        fps_cap=cfg.fps_cap,
        width=cfg.width,
        height=cfg.height,
        loop=cfg.loop,
        stall_seconds=cfg.stall_seconds,
        roi=cfg.roi,
        exposure=cfg.exposure,
        auto_exposure=cfg.auto_exposure,
        decoder=decoder,
        idle_fps=cfg.idle_fps,
        idle_after=cfg.idle_after,
        release_when_asleep=cfg.release_when_asleep,
    )


def build_decoder(
    *,
    try_inverted: bool = True,
    budget_ms: float | None = DEFAULT_BUDGET_MS,
    costly_readers: bool = True,
    idle_costly_every: int = DEFAULT_IDLE_COSTLY_EVERY,
    wechat_decoder: bool = False,
    clock=None,
):
    """The camera's QR decoder: the cascade with WeChat's CNNs (loaded and warmed up here, once)
    and the misdecode guard's validator, "parses as a pickup code".

    ``wechat_decoder`` adds ``cv2.wechat_qrcode`` itself as the costly stage's last pass. The
    lane leaves it out: it costs another 21 MB resident (the lane must stay under 150 MB) and
    2-400 ms a call, which a camera frame's budget rarely affords. ``clock`` measures the frame's
    budget (default the wall clock; a test of what the reader can read passes CPU time, so a busy
    machine does not change the verdict: speed is the benchmark's to measure).
    """
    from hardware.scanner.decoder import QrDecoder

    costly = curved = None
    if costly_readers:
        from hardware.scanner.costly_stage import CostlyStage
        from hardware.scanner.curved_stage import CurvedRetries
        from hardware.scanner.qr_cnn import QrCnn, return_big_buffers_to_os
        from hardware.scanner.wechat_reader import WeChatReader

        return_big_buffers_to_os()
        costly = CostlyStage(QrCnn(), WeChatReader() if wechat_decoder else None)
        curved = CurvedRetries()
    return QrDecoder(
        try_inverted=try_inverted,
        costly=costly,
        curved=curved,
        validator=is_pickup_code,
        budget_ms=budget_ms,
        idle_costly_every=idle_costly_every,
        **({"clock": clock} if clock is not None else {}),
    )


def is_pickup_code(text: str) -> bool:
    """Whether ``text`` is a well-formed pickup code (the reader's misdecode guard accepts it)."""
    try:
        parse_code(text)
    except CodeError:
        return False
    return True


def build_printer(config: Config) -> Printer | None:
    name = getattr(config.lane.printer, "queue", "printer")
    return _started_or_failed("printer", lambda: _build_printer(config), lambda why: FailedPrinter(name, why))


def _build_printer(config: Config) -> Printer | None:
    cfg = config.lane.printer
    if cfg.type == "none":
        return None
    if cfg.type == "sim":
        from hardware.printer.sim import SimPrinter

        return SimPrinter(
            outbox=config.state_dir / "sim" / "printer",
            seconds_per_page=cfg.seconds_per_page,
            paper=cfg.paper,
        )
    from hardware.printer.cups_printer import CupsPrinter

    return CupsPrinter(cfg.queue, server=cfg.server, error_policy=cfg.error_policy)


def build_lockers(
    config: Config, *, pin_factory=None, clock: Callable[[], float] = time.monotonic
) -> dict[str, LockerBank]:
    """Every bank of ``lane.lockers``; ``pin_factory`` (gpiozero) and ``clock`` are for tests."""
    banks: dict[str, LockerBank] = {}
    for cfg in config.lane.lockers:
        banks[cfg.id] = _started_or_failed(
            f"locker bank {cfg.id}",
            lambda cfg=cfg: _build_bank(config, cfg, pin_factory=pin_factory, clock=clock),
            lambda why, cfg=cfg: FailedLockerBank(cfg.id, cfg.doors, why),
        )
    return banks


def _build_bank(config: Config, cfg, *, pin_factory, clock) -> LockerBank:
    if cfg.type == "sim":
        from hardware.locker.sim import SimLockerBank

        bank = SimLockerBank(
            name=cfg.id,
            doors=cfg.doors,
            sensors=cfg.sensors,
            log_path=config.state_dir / "sim" / f"locker-{cfg.id}-pulses.jsonl",
        )
        for door in cfg.stuck_doors:
            bank.set_stuck(door, True)
        return bank
    if cfg.type == "serial":
        from hardware.locker.serial_board import SerialLockBoardBank

        return SerialLockBoardBank(
            name=cfg.id,
            port=cfg.port,
            boards=cfg.boards,
            doors_per_board=cfg.doors_per_board,
            baudrate=cfg.baudrate,
            timeout=cfg.timeout,
            retries=cfg.retries,
            sensors=cfg.sensors,
            max_pulse_ms=cfg.max_pulse_ms,
            open_warn_after=config.lane.door_left_open_seconds,
            clock=clock,
        )
    from hardware.locker.gpio_locker import GpioLockerBank

    return GpioLockerBank(
        name=cfg.id,
        relay_pins=cfg.relay_pins,
        sensor_pins=cfg.sensor_pins,
        relay_active_high=cfg.relay_active_high,
        sensor_pull_up=cfg.sensor_pull_up,
        sensor_open_when=cfg.sensor_open_when,
        max_pulse_ms=cfg.max_pulse_ms,
        open_warn_after=config.lane.door_left_open_seconds,
        pin_factory=pin_factory,
        clock=clock,
    )
