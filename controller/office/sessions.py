"""Sessions of the people who log in: login with lockout, the session behind a cookie, logout.

A session is a random cookie value of which only the SHA-256 is stored; it slides forward on use
and ends at logout, at expiry, or when the user is disabled. ``Accounts`` inherits these.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, select, update

from controller.kernel.errors import AuthError
from controller.office import audit
from controller.office.credentials import DUMMY_HASH, HASHER, token_hash, verify_password
from controller.office.db.tables import sessions, users


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str
    role: str
    language: str
    active: bool
    locked_until: float | None = None  # after too many wrong passwords; see lock_minutes_left

    @classmethod
    def from_row(cls, row) -> User:
        return cls(
            row.id, row.username, row.display_name, row.role, row.language, bool(row.active), row.locked_until
        )


def lock_minutes_left(locked_until: float | None, now: float) -> int:
    """Whole minutes, rounded up, until a lockout ends; 0 when the account is not locked.

    The one count the login refusal and the admin's user list both show."""
    if locked_until is None or locked_until <= now:
        return 0
    return max(1, math.ceil((locked_until - now) / 60))


class AccountSessions:
    """Logging in and out, and the session behind a cookie (``Accounts`` inherits these)."""

    # -- login and sessions ----------------------------------------------------------------------
    def login(self, username: str, password: str, *, source: str = "") -> tuple[User, str]:
        """Check a password; returns the user and a new session token (the cookie value).

        Failures are committed (counter, lockout, audit) before the error is raised.
        """
        username = (username or "").strip().lower()
        now = self.clock()
        error: AuthError | None = None
        with self.engine.begin() as conn:
            row = conn.execute(select(users).where(users.c.username == username)).first()
            if row is None or not row.active:
                verify_password(DUMMY_HASH, password)
                audit.append(
                    conn,
                    at=now,
                    actor=f"anonymous:{source}",
                    action="login.failed",
                    subject="user:unknown",
                    detail={"reason": "unknown or disabled user"},
                )
                error = AuthError("wrong username or password", key="auth.bad_login")
            elif row.locked_until and row.locked_until > now:
                audit.append(
                    conn,
                    at=now,
                    actor=f"anonymous:{source}",
                    action="login.refused",
                    subject=f"user:{row.id}",
                    detail={"reason": "locked"},
                )
                error = AuthError(
                    f"locked until {row.locked_until:.0f}",
                    key="auth.locked",
                    minutes=lock_minutes_left(row.locked_until, now),
                )
            elif not verify_password(row.password_hash, password):
                failures = row.failed_logins + 1
                locked = now + self.lockout_seconds if failures >= self.max_failures else None
                conn.execute(
                    update(users)
                    .where(users.c.id == row.id)
                    .values(failed_logins=0 if locked else failures, locked_until=locked, updated_at=now)
                )
                audit.append(
                    conn,
                    at=now,
                    actor=f"anonymous:{source}",
                    action="login.failed",
                    subject=f"user:{row.id}",
                    detail={"failures": failures, "locked": bool(locked)},
                )
                if locked:
                    error = AuthError(
                        "too many failures", key="auth.locked", minutes=lock_minutes_left(locked, now)
                    )
                else:
                    error = AuthError("wrong username or password", key="auth.bad_login")
            else:
                values = {"failed_logins": 0, "locked_until": None, "updated_at": now}
                if HASHER.check_needs_rehash(row.password_hash):
                    values["password_hash"] = HASHER.hash(password)
                conn.execute(update(users).where(users.c.id == row.id).values(**values))
                token = secrets.token_urlsafe(32)
                conn.execute(
                    sessions.insert().values(
                        token_hash=token_hash(token),
                        user_id=row.id,
                        csrf_token=secrets.token_hex(16),
                        created_at=now,
                        last_seen_at=now,
                        expires_at=now + self.session_seconds,
                    )
                )
                audit.append(
                    conn,
                    at=now,
                    actor=f"user:{row.id}",
                    action="login",
                    subject=f"user:{row.id}",
                    detail={"source": source},
                )
        if error is not None:
            raise error
        return User.from_row(row), token

    def session_user(self, token: str) -> User | None:
        """The user behind a session cookie, or None; slides the session's expiry forward."""
        if not token:
            return None
        now = self.clock()
        with self.engine.begin() as conn:
            row = conn.execute(
                select(users, sessions.c.last_seen_at)
                .join(sessions, sessions.c.user_id == users.c.id)
                .where(sessions.c.token_hash == token_hash(token), sessions.c.expires_at > now)
            ).first()
            if row is None or not row.active:
                return None
            if now - row.last_seen_at > 60:  # don't write on every request
                conn.execute(
                    update(sessions)
                    .where(sessions.c.token_hash == token_hash(token))
                    .values(last_seen_at=now, expires_at=now + self.session_seconds)
                )
            return User.from_row(row)

    def logout(self, token: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(sessions).where(sessions.c.token_hash == token_hash(token)))
