"""Document kinds (e.g. "KTP-el", "Akta Kelahiran", "Paspor"): delivery, expiry, second factor."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from controller.kernel.errors import AmbilError, DocumentError
from controller.office import audit
from controller.office.db import reading
from controller.office.db.tables import DOCUMENT_KINDS, document_kinds


@dataclass(frozen=True)
class Kind:
    id: int
    name: str
    delivery: str  # print | locker
    expiry_days: int
    second_factor: bool
    active: bool


class DocumentKinds:
    def __init__(self, engine: Engine, *, clock: Callable[[], float] = time.time):
        self.engine = engine
        self.clock = clock

    def list(self, *, active_only: bool = False) -> list[Kind]:
        query = select(document_kinds).order_by(document_kinds.c.name)
        if active_only:
            query = query.where(document_kinds.c.active.is_(True))
        with reading(self.engine) as conn:
            return [_kind(r) for r in conn.execute(query)]

    def get(self, kind_id: int) -> Kind:
        with reading(self.engine) as conn:
            row = conn.execute(select(document_kinds).where(document_kinds.c.id == kind_id)).first()
        if row is None:
            raise DocumentError(f"document kind {kind_id}", key="document.invalid")
        return _kind(row)

    def create(
        self, name: str, delivery: str, *, expiry_days: int = 14, second_factor: bool = False, actor: str
    ) -> Kind:
        name = name.strip()
        _check(name, delivery, expiry_days)
        now = self.clock()
        try:
            with self.engine.begin() as conn:
                kind_id = conn.execute(
                    document_kinds.insert().values(
                        name=name,
                        delivery=delivery,
                        expiry_days=expiry_days,
                        second_factor=second_factor,
                        active=True,
                        created_at=now,
                    )
                ).inserted_primary_key[0]
                audit.append(
                    conn,
                    at=now,
                    actor=actor,
                    action="kind.created",
                    subject=f"kind:{kind_id}",
                    detail={
                        "name": name,
                        "delivery": delivery,
                        "expiry_days": expiry_days,
                        "second_factor": second_factor,
                    },
                )
        except IntegrityError:
            raise AmbilError(f"a kind named {name!r} exists", key="request.invalid") from None
        return self.get(kind_id)

    def update(self, kind_id: int, *, actor: str, **values) -> Kind:
        allowed = {"name", "expiry_days", "second_factor", "active"}
        values = {k: v for k, v in values.items() if k in allowed and v is not None}
        current = self.get(kind_id)
        _check(
            values.get("name", current.name), current.delivery, values.get("expiry_days", current.expiry_days)
        )
        now = self.clock()
        with self.engine.begin() as conn:
            conn.execute(update(document_kinds).where(document_kinds.c.id == kind_id).values(**values))
            audit.append(
                conn, at=now, actor=actor, action="kind.updated", subject=f"kind:{kind_id}", detail=values
            )
        return self.get(kind_id)

    def ensure_defaults(self) -> None:
        """A fresh office gets the common MPP kinds so staff can start at once."""
        if self.list():
            return
        for name, delivery, days, second in DEFAULT_KINDS:
            try:
                self.create(name, delivery, expiry_days=days, second_factor=second, actor="system")
            except AmbilError:  # another office worker starting beside us made it first
                if not any(kind.name == name for kind in self.list()):
                    raise


DEFAULT_KINDS = (
    ("Akta / surat (cetak)", "print", 14, False),
    ("SKCK (cetak)", "print", 14, False),
    ("KTP-el (loker)", "locker", 14, True),
    ("Paspor (loker)", "locker", 30, True),
    ("STNK / plat (loker)", "locker", 14, False),
)


def _check(name: str, delivery: str, expiry_days: int) -> None:
    if not name or len(name) > 200:
        raise AmbilError("a kind needs a name (max 200 characters)", key="request.invalid")
    if delivery not in DOCUMENT_KINDS:
        raise AmbilError("delivery must be print or locker", key="request.invalid")
    if not 1 <= int(expiry_days) <= 365:
        raise AmbilError("expiry_days must be 1..365", key="request.invalid")


def _kind(row) -> Kind:
    return Kind(row.id, row.name, row.delivery, row.expiry_days, bool(row.second_factor), bool(row.active))
