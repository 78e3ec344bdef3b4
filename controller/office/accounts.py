"""People who log in (staff, technicians, admins): passwords, lockout, sessions.

Passwords are argon2id hashes. After ``max_failures`` wrong passwords in a row an account is
locked for ``lockout_minutes``. A session is a random cookie value of which only the SHA-256 is
stored; it slides forward on use and ends at logout, at expiry, when the user is disabled, or
when the password changes (all the user's sessions but the one that changed it).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from controller.kernel.errors import AmbilError, AuthError
from controller.office import audit
from controller.office.credentials import HASHER, check_password, token_hash, verify_password
from controller.office.db import reading
from controller.office.db.tables import LANGUAGES, USER_ROLES, sessions, users
from controller.office.sessions import AccountSessions, User


class Accounts(AccountSessions):
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
        check_password(password)
        now = self.clock()
        try:
            with self.engine.begin() as conn:
                user_id = conn.execute(
                    users.insert().values(
                        username=username,
                        display_name=display_name or username,
                        password_hash=HASHER.hash(password),
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
        with reading(self.engine) as conn:
            row = conn.execute(select(users).where(users.c.id == user_id)).first()
        if row is None:
            raise AmbilError(f"user {user_id}", key="user.not_found")
        return User.from_row(row)

    def list_users(self) -> list[User]:
        with reading(self.engine) as conn:
            return [User.from_row(r) for r in conn.execute(select(users).order_by(users.c.username))]

    def count_users(self) -> int:
        with reading(self.engine) as conn:
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

    def unlock_user(self, user_id: int, *, actor: str) -> User:
        """Lift a lockout before it ends (an admin who knows the person), audited."""
        now = self.clock()
        with self.engine.begin() as conn:
            row = conn.execute(select(users).where(users.c.id == user_id)).first()
            if row is None:
                raise AmbilError(f"user {user_id}", key="user.not_found")
            conn.execute(
                update(users)
                .where(users.c.id == user_id)
                .values(failed_logins=0, locked_until=None, updated_at=now)
            )
            audit.append(
                conn,
                at=now,
                actor=actor,
                action="user.unlocked",
                subject=f"user:{user_id}",
                detail={"locked_until": row.locked_until, "failed_logins": row.failed_logins},
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
        check_password(new_password)
        now = self.clock()
        with self.engine.begin() as conn:
            row = conn.execute(select(users).where(users.c.id == user_id)).first()
            if row is None:
                raise AmbilError(f"user {user_id}", key="user.not_found")
            if old_password is not None and not verify_password(row.password_hash, old_password):
                raise AuthError("current password is wrong", key="auth.bad_login")
            conn.execute(
                update(users)
                .where(users.c.id == user_id)
                .values(
                    password_hash=HASHER.hash(new_password),
                    failed_logins=0,
                    locked_until=None,
                    updated_at=now,
                )
            )
            ended = delete(sessions).where(sessions.c.user_id == user_id)
            if keep_session:
                ended = ended.where(sessions.c.token_hash != token_hash(keep_session))
            count = conn.execute(ended).rowcount
            audit.append(
                conn,
                at=now,
                actor=actor,
                action="user.password_changed",
                subject=f"user:{user_id}",
                detail={"sessions_ended": count},
            )
