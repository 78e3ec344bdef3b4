"""API keys for lanes and agency systems: shown once, stored only as SHA-256."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection

from controller.kernel.errors import AmbilError
from controller.office import audit
from controller.office.db.tables import ROLES, api_keys

KEY_PREFIX = "amk_"


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_with_id(
    conn: Connection,
    role: str,
    *,
    lane_id: str | None,
    label: str,
    actor: str,
    now: float,
    webhook_url: str | None = None,
    webhook_secret: str | None = None,
) -> tuple[int, str]:
    """Store a new key; return (key id, the key in plaintext: the only time it is seen).

    An agency key may carry the webhook URL it is told about releases at, and the secret that
    signs those webhooks.
    """
    if role not in ROLES:
        raise AmbilError(f"role must be one of {', '.join(ROLES)}", key="request.invalid")
    if role == "lane" and not lane_id:
        raise AmbilError("a lane key needs a lane_id", key="request.invalid")
    if webhook_url is not None and role != "agency":
        raise AmbilError("only agency keys have a webhook", key="request.invalid")
    if webhook_url is not None and not webhook_url.startswith(("http://", "https://")):
        raise AmbilError("webhook URL must be http(s)", key="request.invalid")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    key_id = conn.execute(
        api_keys.insert()
        .values(
            key_hash=key_hash(key),
            role=role,
            lane_id=lane_id,
            label=label,
            created_at=now,
            webhook_url=webhook_url,
            webhook_secret=webhook_secret if webhook_url is not None else None,
        )
        .returning(api_keys.c.id)
    ).scalar_one()
    audit.append(
        conn,
        at=now,
        actor=actor,
        action="api_key.created",
        subject=f"api_key:{key_id}",
        detail={"role": role, "lane_id": lane_id, "label": label, "webhook": webhook_url is not None},
    )
    return key_id, key


def list_keys(conn: Connection) -> list[dict]:
    """Every key, newest first, without hashes or secrets (admin page)."""
    columns = (
        api_keys.c.id,
        api_keys.c.role,
        api_keys.c.lane_id,
        api_keys.c.label,
        api_keys.c.created_at,
        api_keys.c.revoked_at,
        api_keys.c.webhook_url,
    )
    return [dict(r._mapping) for r in conn.execute(select(*columns).order_by(api_keys.c.id.desc()))]


def well_formed(key: object) -> bool:
    """Could ``key`` be one of ours at all (checked before anything is hashed or looked up)."""
    return isinstance(key, str) and key.startswith(KEY_PREFIX) and len(key) <= 200


def lookup(conn: Connection, key: str) -> dict | None:
    """The live key's {id, role, lane_id, label}, or None for an unknown or revoked key."""
    if not well_formed(key):
        return None
    row = conn.execute(
        select(api_keys.c.id, api_keys.c.role, api_keys.c.lane_id, api_keys.c.label).where(
            api_keys.c.key_hash == key_hash(key), api_keys.c.revoked_at.is_(None)
        )
    ).first()
    return dict(row._mapping) if row else None


def live_ids(conn: Connection, key_ids: list[int]) -> list[int]:
    """Which of ``key_ids`` are keys not revoked."""
    if not key_ids:
        return []
    query = select(api_keys.c.id).where(api_keys.c.id.in_(key_ids), api_keys.c.revoked_at.is_(None))
    return list(conn.execute(query).scalars())


def revoke(conn: Connection, key_id: int, *, actor: str, now: float) -> bool:
    """Revoke a key; False if it was unknown or already revoked."""
    done = conn.execute(
        update(api_keys)
        .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
        .values(revoked_at=now)
    ).rowcount
    if done:
        audit.append(
            conn, at=now, actor=actor, action="api_key.revoked", subject=f"api_key:{key_id}", detail={}
        )
    return bool(done)


def count_active(conn: Connection) -> int:
    return conn.execute(
        select(func.count()).select_from(api_keys).where(api_keys.c.revoked_at.is_(None))
    ).scalar_one()
