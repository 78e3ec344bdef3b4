"""A password change or reset ends the user's other sessions, through the pages and the CLI."""

from __future__ import annotations

import subprocess
import sys

from controller.config import parse_config
from tests.rigs.server import LiveServer
from tests.web.helpers import browser, login, post_form
from web.app import build_system

PASSWORD = "kata-sandi-rahasia"
NEW = "sandi-baru-1234567"


def _logged_in(site, username: str, password: str = PASSWORD):
    web = browser(site.url)
    assert login(web, username, password).status_code == 303
    assert web.get("/account").status_code == 200
    return web


def _logged_out(web) -> bool:
    page = web.get("/account")
    api = web.get("/api/v1/documents")  # the API takes the session cookie too
    to_login = page.status_code == 303 and page.headers["location"].startswith("/login")
    return to_login and api.status_code == 401


def test_a_password_change_logs_the_other_sessions_out_and_keeps_this_one(build):
    system = build()
    system.accounts.create_user("siti", PASSWORD, "staff")
    with LiveServer(system) as site:
        here, there = _logged_in(site, "siti"), _logged_in(site, "siti")
        changed = post_form(
            here, "/account", "/account/password", {"current": PASSWORD, "new": NEW, "repeat": NEW}
        )
        assert changed.status_code == 303, changed.text
        assert here.get("/account").status_code == 200  # the one who changed it stays in
        assert _logged_out(there)
        here.close()
        there.close()


def test_an_admin_reset_ends_every_session_of_that_user(build):
    system = build()
    siti = system.accounts.create_user("siti", PASSWORD, "staff")
    system.accounts.create_user("admin", PASSWORD, "admin")
    with LiveServer(system) as site:
        one, two = _logged_in(site, "siti"), _logged_in(site, "siti")
        admin = _logged_in(site, "admin")
        reset = post_form(
            admin, "/admin/users", f"/admin/users/{siti.id}", {"action": "password", "password": NEW}
        )
        assert reset.status_code == 303, reset.text
        assert _logged_out(one) and _logged_out(two)
        assert admin.get("/admin/users").status_code == 200  # the admin's own session is untouched
        for web in (one, two, admin):
            web.close()


def test_ambil_user_passwd_ends_every_session_of_that_user(tmp_path):
    config_file = tmp_path / "ambil.toml"
    config_file.write_text(f'state_dir = "{tmp_path / "state"}"\n')
    system = build_system(parse_config({"state_dir": str(tmp_path / "state")}))
    system.accounts.create_user("siti", PASSWORD, "staff")
    with LiveServer(system) as site:
        web = _logged_in(site, "siti")
        run = subprocess.run(
            [sys.executable, "-m", "web.cli", "user", "passwd", "siti", "--config", str(config_file)],
            input=NEW + "\n",
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert run.returncode == 0, run.stderr
        assert _logged_out(web)
        web.close()
