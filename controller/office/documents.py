"""Document lifecycle on a connection: register, attach a PDF, issue codes, cancel, reissue, expire.

Every state change appends an audit record in the caller's transaction. Plaintext codes leave this
module only inside the ``IssuedCode`` returned by ``issue_pickup``; the tables hold hashes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from controller.kernel.codes import code_hash, derive_short_code, hash_prefix, new_code, short_code_hmac
from controller.kernel.errors import DocumentError
from controller.office import audit, door_release
from controller.office.db.tables import DOCUMENT_KINDS, DOOR_SIZES, documents, locker_banks, pickups
from controller.office.second_factor import kind_requires_pin, new_pin, pin_hmac

log = logging.getLogger(__name__)

# A locker door stays taken while its item may still be inside (door_release.py).
DOOR_HOLDING_STATES = door_release.DOOR_HOLDING_STATES
LIVE_PICKUP_STATES = ("ready", "claimed", "uncertain")
DAY = 86400.0


@dataclass(frozen=True)
class IssuedCode:
    """A freshly issued pickup code: the only time the plaintext exists outside the citizen's hands."""

    code: str = field(repr=False)
    short_code: str = field(repr=False)
    expires_at: float
    pickup_id: int
    pin: str | None = field(default=None, repr=False)  # second factor, for sensitive kinds


def load(conn: Connection, doc_id: int, *, lock: bool = False):
    """The document row, or DocumentError(document.not_found)."""
    query = select(documents).where(documents.c.id == doc_id)
    row = conn.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise DocumentError(f"document {doc_id}", key="document.not_found")
    return row


def live_pickup(conn: Connection, doc_id: int, *, lock: bool = False):
    query = (
        select(pickups)
        .where(pickups.c.document_id == doc_id, pickups.c.state.in_(LIVE_PICKUP_STATES))
        .order_by(pickups.c.id.desc())
    )
    return conn.execute(query.with_for_update() if lock else query).first()


def check_locker_door(conn: Connection, bank_id: str | None, door: int | None, now: float) -> None:
    """Raise unless the door exists and is free: locker.unknown_door, locker.door_taken,
    locker.to_retrieve (staff must take an old item out), locker.awaiting_sync (the lane may
    still hold a snapshot that opens it for an old code)."""
    if bank_id is None or door is None:
        raise DocumentError("a locker document needs a bank and a door", key="locker.unknown_door")
    # Lock the bank row so two staff cannot put two documents behind one door at once.
    bank = conn.execute(select(locker_banks).where(locker_banks.c.id == bank_id).with_for_update()).first()
    if bank is None or not isinstance(door, int) or not 1 <= door <= bank.doors:
        raise DocumentError(f"bank {bank_id!r} door {door!r}", key="locker.unknown_door")
    blocker = door_release.door_blocker(conn, bank_id, door, now)
    if blocker is not None:
        key, holder = blocker
        raise DocumentError(f"door {door} of {bank_id}: document {holder}", key=key)


# columns a caller may set on a new document besides the core ones (back office, agency API)
EXTRA_FIELDS = (
    "kind_id",
    "loaded_at",  # a locker item already in its door when registered (API callers)
    "citizen_name",
    "citizen_phone",
    "citizen_email",
    "door_size",
    "agency_key_id",
    "agency_ref",
    "idempotency_key",
)


def insert_document(
    conn: Connection, *, kind, title, reference, sha, pages, bank, door, actor, now, extra=None
) -> int:
    if kind not in DOCUMENT_KINDS:
        raise DocumentError(f"kind must be one of {', '.join(DOCUMENT_KINDS)}", key="document.invalid")
    if not isinstance(title, str) or not title.strip():
        raise DocumentError("a title is required", key="document.invalid")
    door_size = (extra or {}).get("door_size")
    if door_size is not None and door_size not in DOOR_SIZES:
        raise DocumentError(f"door_size must be one of {', '.join(DOOR_SIZES)}", key="document.invalid")
    if kind == "locker" and bank is None and door is None and door_size is not None:
        pass  # the back office picks the door when the item is loaded (locker loading flow)
    elif kind == "locker":
        check_locker_door(conn, bank, door, now)
    elif bank is not None or door is not None:
        raise DocumentError("a print document has no locker door", key="document.invalid")
    doc_id = conn.execute(
        documents.insert()
        .values(
            kind=kind,
            title=title.strip(),
            reference=reference,
            state="draft",
            pdf_sha256=sha,
            pages=pages,
            locker_bank=bank,
            door=door,
            created_at=now,
            updated_at=now,
            **{k: v for k, v in (extra or {}).items() if k in EXTRA_FIELDS},
        )
        .returning(documents.c.id)
    ).scalar_one()
    audit.append(
        conn,
        at=now,
        actor=actor,
        action="document.created",
        subject=f"document:{doc_id}",
        detail={"kind": kind, "pages": pages, "pdf": sha[:12] if sha else None, "bank": bank, "door": door},
    )
    return doc_id


def needs_loading(doc) -> bool:
    """Whether a (described) locker document still waits for its item to be confirmed in a door."""
    return doc["kind"] == "locker" and (doc["door"] is None or doc.get("loaded_at") is None)


def set_state(conn: Connection, doc_id: int, state: str, now: float, **values) -> None:
    conn.execute(
        update(documents).where(documents.c.id == doc_id).values(state=state, updated_at=now, **values)
    )


def issue_pickup(
    conn: Connection, doc, *, short_code_key: bytes, expiry_days: float, actor, now
) -> IssuedCode:
    """Create a ready pickup for ``doc`` with a new code and short code; mark the document ready."""
    for _ in range(10):
        # the short code is derived from the code; ten digits can collide, so keep short codes
        # unique among live pickups by drawing another code
        code = new_code()
        short = derive_short_code(short_code_key, code)
        short_hmac = short_code_hmac(short_code_key, short)
        taken = conn.execute(
            select(pickups.c.id).where(
                pickups.c.short_hmac == short_hmac, pickups.c.state.in_(LIVE_PICKUP_STATES)
            )
        ).first()
        if taken is None:
            break
    else:  # pragma: no cover - 10 collisions in 10**10 means something else is wrong
        raise RuntimeError("could not draw a free short code")
    hashed = code_hash(code)
    expires_at = now + float(expiry_days) * DAY
    pin = new_pin() if kind_requires_pin(conn, getattr(doc, "kind_id", None)) else None
    pickup_id = conn.execute(
        pickups.insert()
        .values(
            document_id=doc.id,
            code_hash=hashed,
            short_hmac=short_hmac,
            state="ready",
            expires_at=expires_at,
            created_at=now,
            pin_hmac=pin_hmac(short_code_key, pin) if pin else None,
        )
        .returning(pickups.c.id)
    ).scalar_one()
    set_state(conn, doc.id, "ready", now)
    audit.append(
        conn,
        at=now,
        actor=actor,
        action="pickup.issued",
        subject=f"document:{doc.id}",
        detail={"pickup_id": pickup_id, "code": hash_prefix(hashed), "expires_at": expires_at},
    )
    return IssuedCode(code=code, short_code=short, expires_at=expires_at, pickup_id=pickup_id, pin=pin)


def revoke_live_pickup(conn: Connection, doc, *, actor, now, reason: str) -> None:
    """Revoke the document's ready pickup; refuse while a lane holds a claim on it."""
    pickup = live_pickup(conn, doc.id, lock=True)
    if pickup is None:
        return
    if pickup.state == "claimed":
        raise DocumentError("a lane is releasing this document now", key="document.bad_state")
    conn.execute(
        update(pickups)
        .where(pickups.c.id == pickup.id)
        .values(state="revoked", finished_at=now, outcome=reason)
    )
    audit.append(
        conn,
        at=now,
        actor=actor,
        action="pickup.revoked",
        subject=f"document:{doc.id}",
        detail={"pickup_id": pickup.id, "code": hash_prefix(pickup.code_hash), "reason": reason},
    )


def resolve_uncertain(conn: Connection, doc_id: int, *, actor: str, released: bool, now: float) -> None:
    """Settle an uncertain release: released, or not released (the pickup becomes ready again)."""
    doc = load(conn, doc_id, lock=True)
    pickup = live_pickup(conn, doc_id, lock=True)
    if doc.state != "uncertain" or pickup is None or pickup.state != "uncertain":
        raise DocumentError(f"document is {doc.state}", key="document.bad_state")
    state = "released" if released else "ready"
    values = {"state": state, "outcome": "released" if released else "not_released"}
    if not released:
        values["claim_id"] = None
    if not released and pickup.outcome == "offline_conflict":
        # released offline after its code was revoked: never revive that code; staff take the
        # item back (or issue a new code) like any cancelled document
        state = "cancelled"
        values.update(state="revoked")
    conn.execute(update(pickups).where(pickups.c.id == pickup.id).values(**values))
    set_state(conn, doc_id, state, now)
    audit.append(
        conn,
        at=now,
        actor=actor,
        action="document.resolved",
        subject=f"document:{doc_id}",
        detail={"pickup_id": pickup.id, "released": released},
    )


def describe(conn: Connection, doc) -> dict:
    """The document as a dict with its current pickup (never a code) and its audit history."""
    out = dict(doc._mapping)
    pickup = conn.execute(
        select(pickups).where(pickups.c.document_id == doc.id).order_by(pickups.c.id.desc()).limit(1)
    ).first()
    out["pickup"] = (
        None
        if pickup is None
        else {
            key: pickup._mapping[key]
            for key in (
                "id",
                "state",
                "expires_at",
                "lane_id",
                "claimed_at",
                "finished_at",
                "outcome",
                "detail",
            )
        }
    )
    out["history"] = audit.history(conn, f"document:{doc.id}")
    return out


def expire_due(conn: Connection, now: float) -> int:
    """Expire every ready pickup past its expiry, and its document; returns how many."""
    due = conn.execute(
        select(pickups.c.id, pickups.c.document_id, pickups.c.code_hash)
        .where(pickups.c.state == "ready", pickups.c.expires_at <= now)
        .with_for_update()
    ).all()
    count = 0
    for row in due:
        done = conn.execute(
            update(pickups)
            .where(pickups.c.id == row.id, pickups.c.state == "ready")
            .values(state="expired", finished_at=now, outcome="expired")
        ).rowcount
        if not done:
            continue
        conn.execute(
            update(documents)
            .where(documents.c.id == row.document_id, documents.c.state == "ready")
            .values(state="expired", updated_at=now)
        )
        audit.append(
            conn,
            at=now,
            actor="system",
            action="pickup.expired",
            subject=f"document:{row.document_id}",
            detail={"pickup_id": row.id, "code": hash_prefix(row.code_hash)},
        )
        count += 1
    if count:
        log.info("expired %d pickups", count)
    return count
