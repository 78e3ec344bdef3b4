"""The `ambil` command line, run as a real process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import cv2

from tests.rigs.frames import blank_frame, phone_frame
from tests.rigs.server import LiveServer
from tests.rigs.wait import wait_for

CODE = "AMB1" + "A" * 25 + "Q"


def ambil(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "web.cli", *args], capture_output=True, text=True, input=stdin, timeout=60
    )


def test_config_check_ok_and_each_error_with_its_key_path(tmp_path):
    good = tmp_path / "good.toml"
    good.write_text('[lane.printer]\ntype = "cups"\nqueue = "drive-thru"\n')
    result = ambil("config", "check", str(good))
    assert result.returncode == 0 and result.stdout.strip() == "ok"

    bad = tmp_path / "bad.toml"
    bad.write_text(
        'role = "kiosk"\n[lane]\nprintr = 1\n[lane.printer]\ntype = "cups"\n'
        '[[lane.lockers]]\ntype = "gpio"\nid = "B"\nrelay_pins = [5]\nmax_pulse_ms = 99999\n'
    )
    result = ambil("config", "check", str(bad))
    assert result.returncode == 1
    out = result.stdout
    assert "role: Input should be 'all-in-one', 'office' or 'lane'" in out
    assert "lane.printr: unknown key" in out
    assert "lane.printer.queue: Field required" in out
    assert "lane.lockers[0].max_pulse_ms: Input should be less than or equal to 5000" in out
    assert "Traceback" not in result.stderr


def test_config_check_on_broken_toml_and_missing_file(tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text("[lane\nid = 1")
    assert "not valid TOML" in ambil("config", "check", str(broken)).stdout
    assert "file not found" in ambil("config", "check", str(tmp_path / "nope.toml")).stdout


def test_decode_prints_codes_or_says_none(tmp_path):
    with_code = tmp_path / "phone.png"
    cv2.imwrite(str(with_code), phone_frame(CODE, seed=3))
    empty = tmp_path / "empty.png"
    cv2.imwrite(str(empty), blank_frame(seed=3))
    not_image = tmp_path / "notes.txt"
    not_image.write_text("hello")
    result = ambil("decode", str(with_code), str(empty), str(not_image))
    assert f"{with_code}: {CODE}" in result.stdout
    assert f"{empty}: no code found" in result.stdout
    assert f"{not_image}: error:" in result.stdout
    assert result.returncode == 1  # one image could not be read


def test_lane_show_feeds_an_image_to_the_running_simulated_camera(build, tmp_path):
    system = build(printer={"type": "sim", "seconds_per_page": 0.01}, result_seconds=60.0)
    key = system.office.create_api_key("staff")
    image = tmp_path / "qr.png"
    with LiveServer(system) as server, server.client(key) as api:
        doc = api.post(
            "/api/v1/documents",
            data={"kind": "locker", "title": "STNK", "locker_bank": "A", "door": "1", "loaded": "true"},
        ).json()
        code = api.post(f"/api/v1/documents/{doc['id']}/ready").json()["code"]
        cv2.imwrite(str(image), phone_frame(code, seed=7))
        result = ambil("lane", "show", str(image), "--url", server.url)
        assert result.returncode == 0, result.stderr
        assert code in result.stdout
        wait_for(
            lambda: api.get(f"/api/v1/documents/{doc['id']}").json()["state"] == "released",
            what="released through `ambil lane show`",
        )
        status = ambil("lane", "status", "--url", server.url)
        assert '"door_open"' in status.stdout


def test_lane_show_without_a_lane_says_so(tmp_path):
    image = tmp_path / "x.png"
    cv2.imwrite(str(image), blank_frame())
    result = ambil("lane", "show", str(image), "--url", "http://127.0.0.1:9")
    assert result.returncode == 2 and "cannot reach the lane" in result.stderr


def test_apikey_create_and_audit_verify(tmp_path):
    config = tmp_path / "ambil.toml"
    config.write_text(f'state_dir = "{tmp_path / "state"}"\n')
    key = ambil("apikey", "create", "--role", "staff", "--config", str(config)).stdout.strip()
    assert key.startswith("amk_")
    assert ambil("apikey", "create", "--role", "lane", "--config", str(config)).returncode == 2
    verify = ambil("audit", "verify", "--config", str(config))
    assert verify.returncode == 0 and verify.stdout.startswith("ok")
    assert Path(tmp_path / "state" / "office.db").exists()


def test_audit_verify_on_postgres_seals_the_cli_s_own_records_and_names_a_dead_sealer(tmp_path, pg_schema):
    from sqlalchemy import text

    from controller.office.db import make_engine
    from tests.rigs.postgres import schema_url

    url = schema_url(pg_schema)
    config = tmp_path / "ambil.toml"
    config.write_text(
        f'role = "office"\nstate_dir = "{tmp_path / "state"}"\n[office]\ndatabase_url = "{url}"\n'
    )
    assert ambil("apikey", "create", "--role", "staff", "--config", str(config)).returncode == 0
    verify = ambil("audit", "verify", "--config", str(config))
    assert (verify.returncode, verify.stdout.strip()) == (0, "ok: 1 records, chain intact"), verify
    engine = make_engine(url)
    with engine.begin() as conn:  # a record an office committed just before its sealer died
        conn.execute(
            text(
                "INSERT INTO audit_log (at, arrived_at, actor, action, subject, detail) "
                "VALUES (1.0, 1.0, 'lane:l', 'pickup.claimed', 'document:1', '{}')"
            )
        )
    engine.dispose()
    verify = ambil("audit", "verify", "--config", str(config))
    assert verify.returncode == 1 and verify.stdout.startswith(
        "PROBLEM: 1 records intact; 1 records not sealed"
    )


def test_safe_off_fails_for_a_bank_it_cannot_open(tmp_path, monkeypatch):
    # a bank that did not start is a stand-in (hardware/failed.py) whose all_off() does nothing:
    # safe-off must not report it switched off
    import gpiozero
    from gpiozero.pins.mock import MockFactory

    from web.cli import main

    class NoGpioAccess(MockFactory):
        def pin(self, spec, **kwargs):
            raise PermissionError(13, "Permission denied", "/dev/gpiochip0")

    config = tmp_path / "lane.toml"
    config.write_text(
        f'state_dir = "{tmp_path / "state"}"\n'
        '[[lane.lockers]]\ntype = "sim"\nid = "A"\ndoors = 2\n'
        '[[lane.lockers]]\ntype = "gpio"\nid = "G"\nrelay_pins = [17]\n'
    )
    monkeypatch.setattr(gpiozero.Device, "pin_factory", NoGpioAccess())
    assert main(["lane", "safe-off", "--config", str(config)]) == 1
    monkeypatch.setattr(gpiozero.Device, "pin_factory", MockFactory())
    assert main(["lane", "safe-off", "--config", str(config)]) == 0
