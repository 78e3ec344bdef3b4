"""Accounts on SQLite and PostgreSQL: a password change or reset ends the user's other sessions."""

from __future__ import annotations

import pytest

from controller.kernel.errors import AuthError
from controller.office import audit
from controller.office.accounts import Accounts

PASSWORD = "kata-sandi-rahasia"
NEW = "sandi-baru-1234567"


@pytest.fixture
def accounts(engine, clock):
    return Accounts(engine, clock=clock)


def _two_sessions(accounts):
    user = accounts.create_user("siti", PASSWORD, "staff")
    _, here = accounts.login("siti", PASSWORD)
    _, there = accounts.login("siti", PASSWORD)  # another browser, or a stolen cookie
    other = accounts.create_user("budi", PASSWORD, "staff")
    _, bystander = accounts.login("budi", PASSWORD)
    assert accounts.session_user(here) and accounts.session_user(there)
    return user, here, there, other, bystander


def test_changing_ones_own_password_ends_the_other_sessions_and_keeps_this_one(accounts):
    user, here, there, _other, bystander = _two_sessions(accounts)
    accounts.set_password(user.id, NEW, actor=f"user:{user.id}", old_password=PASSWORD, keep_session=here)
    assert accounts.session_user(here).id == user.id
    assert accounts.session_user(there) is None
    assert accounts.session_user(bystander) is not None  # only this user's sessions


def test_a_reset_by_an_admin_ends_every_session_of_the_user(accounts):
    user, here, there, _other, bystander = _two_sessions(accounts)
    accounts.set_password(user.id, NEW, actor="user:1")
    assert accounts.session_user(here) is None and accounts.session_user(there) is None
    assert accounts.session_user(bystander) is not None


def test_a_refused_change_ends_nothing(accounts):
    user, here, there, _other, _bystander = _two_sessions(accounts)
    with pytest.raises(AuthError):
        accounts.set_password(user.id, NEW, actor="x", old_password="wrong-password!", keep_session=here)
    assert accounts.session_user(here) and accounts.session_user(there)


def test_a_lockout_counts_its_minutes_down_and_an_unlock_lifts_it_audited(accounts, clock, engine):
    user = accounts.create_user("siti", PASSWORD, "staff")
    for _ in range(5):
        with pytest.raises(AuthError) as refused:
            accounts.login("siti", "wrong-password!")
    assert refused.value.key == "auth.locked" and refused.value.params == {"minutes": 15}
    assert accounts.get_user(user.id).locked_until == clock.now + 15 * 60
    clock.advance(10 * 60 + 1)  # 4 min 59 s left: shown as 5, never as 4 (rounded up)
    with pytest.raises(AuthError) as still:
        accounts.login("siti", PASSWORD)
    assert still.value.key == "auth.locked" and still.value.params == {"minutes": 5}
    accounts.unlock_user(user.id, actor="user:9")
    assert accounts.get_user(user.id).locked_until is None
    assert accounts.login("siti", PASSWORD)[0].id == user.id
    with engine.connect() as conn:
        (record,) = [r for r in audit.history(conn, f"user:{user.id}") if r["action"] == "user.unlocked"]
    assert record["actor"] == "user:9" and record["detail"]["locked_until"] > 0
