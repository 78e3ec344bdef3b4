"""People who log in (staff, technicians, admins): passwords, lockout, sessions.

Passwords are argon2id hashes. After ``max_failures`` wrong passwords in a row an account is
locked for ``lockout_minutes``. A session is a random cookie value of which only the SHA-256 is
stored; it slides forward on use and ends at logout, at expiry, when the user is disabled, or
when the password changes (all the user's sessions but the one that changed it).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from controller.kernel.errors import MESSAGES, AmbilError, AuthError
from controller.office import audit
from controller.office.tables import LANGUAGES, USER_ROLES, sessions, users

MIN_PASSWORD = 10
_hasher = PasswordHasher()
# verifying against this keeps a wrong username as slow as a wrong password
_DUMMY_HASH = _hasher.hash("not a real password, only for timing")


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str
    role: str
    language: str
    active: bool

    @classmethod
    def from_row(cls, row) -> User:
        return cls(row.id, row.username, row.display_name, row.role, row.language, bool(row.active))


class Accounts:
    def __init__(
        self,
        engine: Engine,
        *,
        clock: Callable[[], float] = time.time,
        max_failures: int = 5,
        lockout_minutes: float = 15,
        session_hours: float = 12,
    ):
        self.engine = engine
        self.clock = clock
        self.max_failures = max_failures
        self.lockout_seconds = lockout_minutes * 60
        self.session_seconds = session_hours * 3600

    # -- users ---------------------------------------------------------------------------------
    def create_user(
        self,
        username: str,
        password: str,
        role: str,
        *,
        display_name: str = "",
        language: str = "id",
        actor: str = "system",
    ) -> User:
        username = username.strip().lower()
        if (
            not username
            or len(username) > 64
            or not username.replace("-", "").replace(".", "").replace("_", "").isalnum()
        ):
            raise AmbilError("username: letters, digits, '.', '-' or '_' (max 64)", key="request.invalid")
        if role not in USER_ROLES:
            raise AmbilError(f"role must be one of {', '.join(USER_ROLES)}", key="request.invalid")
        if language not in LANGUAGES:
            raise AmbilError("language must be id or en", key="request.invalid")
        _check_password(password)
        now = self.clock()
        try:
            with self.engine.begin() as conn:
                user_id = conn.execute(
                    users.insert().values(
                        username=username,
                        display_name=display_name or username,
                        password_hash=_hasher.hash(password),
                        role=role,
                        language=language,
                        active=True,
                        failed_logins=0,
                        created_at=now,
                        updated_at=now,
                    )
                ).inserted_primary_key[0]
                audit.append(
                    conn,
                    at=now,
                    actor=actor,
                    action="user.created",
                    subject=f"user:{user_id}",
                    detail={"username": username, "role": role},
                )
        except IntegrityError:
            raise AmbilError(f"username {username!r} exists", key="user.exists") from None
        return self.get_user(user_id)

    def get_user(self, user_id: int) -> User:
        with self.engine.connect() as conn:
            row = conn.execute(select(users).where(users.c.id == user_id)).first()
        if row is None:
            raise AmbilError(f"user {user_id}", key="user.not_found")
        return User.from_row(row)

    def list_users(self) -> list[User]:
        with self.engine.connect() as conn:
            return [User.from_row(r) for r in conn.execute(select(users).order_by(users.c.username))]

    def count_users(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(users)).scalar_one()

    def update_user(
        self,
        user_id: int,
        *,
        actor: str,
        role: str | None = None,
        active: bool | None = None,
        language: str | None = None,
        display_name: str | None = None,
    ) -> User:
        values: dict = {}
        if role is not None:
            if role not in USER_ROLES:
                raise AmbilError(f"role must be one of {', '.join(USER_ROLES)}", key="request.invalid")
            values["role"] = role
        if active is not None:
            values["active"] = active
        if language is not None:
            if language not in LANGUAGES:
                raise AmbilError("language must be id or en", key="request.invalid")
            values["language"] = language
        if display_name is not None:
            values["display_name"] = display_name.strip()[:200]
        if not values:
            return self.get_user(user_id)
        now = self.clock()
        with self.engine.begin() as conn:
            done = conn.execute(update(users).where(users.c.id == user_id).values(updated_at=now, **values))
            if not done.rowcount:
                raise AmbilError(f"user {user_id}", key="user.not_found")
            if active is False:
                conn.execute(delete(sessions).where(sessions.c.user_id == user_id))
            if set(values) - {"language"}:
                audit.append(
                    conn,
                    at=now,
                    actor=actor,
                    action="user.updated",
                    subject=f"user:{user_id}",
                    detail={k: v for k, v in values.items()},
                )
        return self.get_user(user_id)

    def set_password(
        self,
        user_id: int,
        new_password: str,
        *,
        actor: str,
        old_password: str | None = None,
        keep_session: str | None = None,
    ) -> None:
        """Change a password; with ``old_password`` (a user changing their own) it must match.

        Every session of the user ends with the old password, except ``keep_session`` (the
        cookie of the user changing their own): a reset by an admin ends them all.
        """
        _check_password(new_password)
        now = self.clock()
        with self.engine.begin() as conn:
            row = conn.execute(select(users).where(users.c.id == user_id)).first()
            if row is None:
                raise AmbilError(f"user {user_id}", key="user.not_found")
            if old_password is not None and not _verify(row.password_hash, old_password):
                raise AuthError("current password is wrong", key="auth.bad_login")
            conn.execute(
                update(users)
                .where(users.c.id == user_id)
                .values(
                    password_hash=_hasher.hash(new_password),
                    failed_logins=0,
                    locked_until=None,
                    updated_at=now,
                )
            )
            ended = delete(sessions).where(sessions.c.user_id == user_id)
            if keep_session:
                ended = ended.where(sessions.c.token_hash != _token_hash(keep_session))
            count = conn.execute(ended).rowcount
            audit.append(
                conn,
                at=now,
                actor=actor,
                action="user.password_changed",
                subject=f"user:{user_id}",
                detail={"sessions_ended": count},
            )

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
                _verify(_DUMMY_HASH, password)
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
                error = AuthError(f"locked until {row.locked_until:.0f}", key="auth.locked")
            elif not _verify(row.password_hash, password):
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
                key = "auth.locked" if locked else "auth.bad_login"
                error = AuthError("too many failures" if locked else "wrong username or password", key=key)
            else:
                values = {"failed_logins": 0, "locked_until": None, "updated_at": now}
                if _hasher.check_needs_rehash(row.password_hash):
                    values["password_hash"] = _hasher.hash(password)
                conn.execute(update(users).where(users.c.id == row.id).values(**values))
                token = secrets.token_urlsafe(32)
                conn.execute(
                    sessions.insert().values(
                        token_hash=_token_hash(token),
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
                .where(sessions.c.token_hash == _token_hash(token), sessions.c.expires_at > now)
            ).first()
            if row is None or not row.active:
                return None
            if now - row.last_seen_at > 60:  # don't write on every request
                conn.execute(
                    update(sessions)
                    .where(sessions.c.token_hash == _token_hash(token))
                    .values(last_seen_at=now, expires_at=now + self.session_seconds)
                )
            return User.from_row(row)

    def logout(self, token: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(sessions).where(sessions.c.token_hash == _token_hash(token)))


def _check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise AmbilError(MESSAGES["auth.weak_password"].en, key="auth.weak_password")


def _verify(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password or "")
    except (VerificationError, InvalidHashError):
        return False


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
