"""Accounts through the pages: login, lockout, logout, password change, language, CSRF."""

from __future__ import annotations

import subprocess
import sys

import pytest

from controller.office import audit
from tests.rigs.server import LiveServer
from tests.web.helpers import browser, csrf_from, login, post_form

PASSWORD = "kata-sandi-rahasia"


@pytest.fixture
def site(build):
    system = build()
    system.accounts.create_user("siti", PASSWORD, "staff")
    with LiveServer(system) as server:
        yield server


def test_login_sets_a_session_and_lands_on_the_documents(site):
    with browser(site.url) as web:
        response = login(web, "siti", PASSWORD)
        assert response.status_code == 303 and response.headers["location"] == "/staff/documents"
        cookie = web.cookies.get("ambil_session")
        assert cookie and len(cookie) > 30
        account = web.get("/account")
        assert account.status_code == 200 and "siti" in account.text


def test_wrong_password_then_lockout_after_five(site):
    with browser(site.url) as web:
        for _ in range(4):
            response = login(web, "siti", "wrong-password!")
            assert response.status_code == 401 and "Nama pengguna atau kata sandi salah" in response.text
        response = login(web, "siti", "wrong-password!")
        assert response.status_code == 423
        response = login(web, "siti", PASSWORD)  # the right password is refused while locked
        assert response.status_code == 423 and "dikunci" in response.text


def test_the_lockout_says_how_long_and_an_admin_sees_and_lifts_it(site):
    system = site.system
    system.accounts.create_user("adm", PASSWORD, "admin")
    siti = next(u for u in system.accounts.list_users() if u.username == "siti")
    with browser(site.url) as web:
        for _ in range(4):
            login(web, "siti", "wrong-password!")
        locked = login(web, "siti", "wrong-password!")
        assert locked.status_code == 423 and "Coba lagi dalam 15 menit" in locked.text
        again = login(web, "siti", PASSWORD)
        assert again.status_code == 423 and "15 menit" in again.text
        english = web.post(
            "/login",
            data={
                "username": "siti",
                "password": PASSWORD,
                "csrf_token": csrf_from(web.get("/login?lang=en").text),
            },
        )
        assert english.status_code == 423 and "Try again in 15 min" in english.text
    with browser(site.url) as admin:
        login(admin, "adm", PASSWORD)
        users = admin.get("/admin/users")
        assert f'id="user-{siti.id}-locked"' in users.text and "15 menit lagi" in users.text
        assert "1 akun terkunci" in users.text
        lifted = post_form(admin, "/admin/users", f"/admin/users/{siti.id}", {"action": "unlock"})
        assert (
            lifted.status_code == 303 and lifted.headers["location"] == "/admin/users?ok=admin.user_unlocked"
        )
        after = admin.get("/admin/users")
        assert f'id="user-{siti.id}-locked"' not in after.text and 'id="users-locked"' not in after.text
    with system.engine.connect() as conn:
        records = audit.history(conn, f"user:{siti.id}")
    unlocked = [r for r in records if r["action"] == "user.unlocked"]
    adm = next(u for u in system.accounts.list_users() if u.username == "adm")
    assert (
        len(unlocked) == 1
        and unlocked[0]["actor"] == f"user:{adm.id}"
        and unlocked[0]["detail"]["locked_until"]
    )
    with browser(site.url) as web:
        assert login(web, "siti", PASSWORD).status_code == 303  # in again before the 15 minutes


def test_pages_need_a_login_and_come_back_after_it(site):
    with browser(site.url) as web:
        response = web.get("/account")
        assert response.status_code == 303 and response.headers["location"] == "/login?next=/account"
        token = csrf_from(web.get("/login?next=/account").text)
        response = web.post(
            "/login", data={"username": "siti", "password": PASSWORD, "next": "/account", "csrf_token": token}
        )
        assert response.headers["location"] == "/account"
        token = csrf_from(web.get("/login").text)
        evil = web.post(
            "/login",
            data={"username": "siti", "password": PASSWORD, "next": "//evil.example/", "csrf_token": token},
        )
        assert evil.headers["location"] == "/staff/documents"  # never off-site


def test_logout_ends_the_session(site):
    with browser(site.url) as web:
        login(web, "siti", PASSWORD)
        assert post_form(web, "/account", "/logout").headers["location"] == "/login"
        assert web.get("/account").status_code == 303


def test_password_change_and_language(site):
    with browser(site.url) as web:
        login(web, "siti", PASSWORD)
        bad = post_form(
            web, "/account", "/account/password", {"current": PASSWORD, "new": "short", "repeat": "short"}
        )
        assert bad.status_code == 422 and "minimal 10" in bad.text
        ok = post_form(
            web,
            "/account",
            "/account/password",
            {"current": PASSWORD, "new": "sandi-baru-1234", "repeat": "sandi-baru-1234"},
        )
        assert ok.status_code == 303
        post_form(web, "/account", "/account/language", {"language": "en"})
        assert "My account" in web.get("/account").text
    with browser(site.url) as web:
        assert login(web, "siti", PASSWORD).status_code == 401
        assert login(web, "siti", "sandi-baru-1234").status_code == 303


def _page_lang(html: str) -> str:
    return html.split('<html lang="', 1)[1].split('"', 1)[0]


def test_english_chosen_once_sticks_for_the_next_pages_and_the_next_login(site):
    with browser(site.url) as web:
        login(web, "siti", PASSWORD)
        assert _page_lang(web.get("/staff/documents").text) == "id"
        chosen = web.get("/staff/documents?lang=en")
        assert _page_lang(chosen.text) == "en" and "Log out" in chosen.text
        for page in ("/staff/documents", "/staff/lockers", "/account"):
            shown = web.get(page)
            assert shown.status_code == 200 and _page_lang(shown.text) == "en", page
        post_form(web, "/account", "/logout")
    with browser(site.url) as web:  # a new browser: only the account remembers
        login(web, "siti", PASSWORD)
        assert _page_lang(web.get("/staff/documents").text) == "en"
        web.get("/account?lang=id")  # and back again
        assert _page_lang(web.get("/account").text) == "id"


def test_english_chosen_on_the_login_page_is_the_users_from_that_login_on(site):
    with browser(site.url) as web:
        form = web.get("/login?lang=en").text
        assert _page_lang(form) == "en" and 'name="lang" value="en"' in form
        data = {"username": "siti", "password": PASSWORD, "lang": "en", "csrf_token": csrf_from(form)}
        assert web.post("/login", data=data).status_code == 303
        assert _page_lang(web.get("/staff/documents").text) == "en"
    with browser(site.url) as web:  # another browser, no cookie: the account says English
        login(web, "siti", PASSWORD)
        assert _page_lang(web.get("/account").text) == "en"


def test_forms_without_a_valid_csrf_token_are_refused(site):
    with browser(site.url) as web:
        web.get("/login")
        missing = web.post("/login", data={"username": "siti", "password": PASSWORD})
        assert missing.status_code == 403 and "Formulir kedaluwarsa" in missing.text
        forged = web.post("/login", data={"username": "siti", "password": PASSWORD, "csrf_token": "0" * 64})
        assert forged.status_code == 403
    with browser(site.url) as other:  # a token from another browser does not fit this one's cookie
        token = csrf_from(other.get("/login").text)
    with browser(site.url) as web:
        web.get("/login")
        stolen = web.post("/login", data={"username": "siti", "password": PASSWORD, "csrf_token": token})
        assert stolen.status_code == 403


def test_user_add_from_the_command_line_reads_the_password_from_stdin(tmp_path):
    config = tmp_path / "ambil.toml"
    config.write_text(f'state_dir = "{tmp_path / "state"}"\n')
    run = subprocess.run(
        [sys.executable, "-m", "web.cli", "user", "add", "--role", "admin", "budi", "--config", str(config)],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    assert "budi (admin) created" in run.stdout
    weak = subprocess.run(
        [sys.executable, "-m", "web.cli", "user", "add", "--role", "staff", "ani", "--config", str(config)],
        input="123\n",
        capture_output=True,
        text=True,
    )
    assert weak.returncode == 1 and "10 characters" in weak.stderr
    listing = subprocess.run(
        [sys.executable, "-m", "web.cli", "user", "list", "--config", str(config)],
        capture_output=True,
        text=True,
    )
    assert "budi" in listing.stdout and "admin" in listing.stdout
