"""Document search for staff: free text (title, reference, citizen's phone), filters and paging.

Everything runs in SQL and works the same on SQLite and PostgreSQL: ``LIKE`` on lower-cased
columns with the user's ``%``, ``_`` and ``\\`` escaped, so a search for ``50%`` finds "50%" and not
everything. Phone numbers are compared as bare digits without the country or trunk prefix, so
"+62 812-3456-7890", "0812 3456 7890" and "81234567890" all find the same citizen.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.engine import Connection

from controller.kernel.errors import AmbilError
from controller.office.db.tables import DOCUMENT_KINDS, DOCUMENT_STATES, documents

log = logging.getLogger(__name__)

PAGE_SIZE = 25
MAX_LIMIT = 200
MAX_QUERY = 200
ESCAPE = "\\"
MIN_PHONE_DIGITS = 3  # fewer digits would match almost every number
_PHONE_QUERY = re.compile(r"[0-9+()\s.\-]+", re.ASCII)
_PHONE_JUNK = (" ", "-", "+", "(", ")", ".")


@dataclass(frozen=True)
class SearchResult:
    """One page of documents (dicts of the documents table, newest first) and the total match count."""

    items: list[dict]
    total: int
    limit: int
    offset: int

    @property
    def has_previous(self) -> bool:
        return self.offset > 0

    @property
    def has_next(self) -> bool:
        return self.offset + len(self.items) < self.total


def escape_like(text: str) -> str:
    """``text`` with LIKE wildcards and the escape character escaped (use with ``escape=ESCAPE``)."""
    return text.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")


def phone_digits(text: str) -> str:
    """The national part of a phone number: digits only, without a leading 62 or 0."""
    digits = re.sub(r"\D", "", text)
    if digits.startswith("62"):
        return digits[2:]
    if digits.startswith("0"):
        return digits[1:]
    return digits


def _phone_column():
    # strip the separators people type, in SQL, so stored numbers need no normal form
    column = func.coalesce(documents.c.citizen_phone, "")
    for junk in _PHONE_JUNK:
        column = func.replace(column, junk, "")
    return column


def _text_condition(q: str):
    pattern = f"%{escape_like(q.lower())}%"
    conditions = [
        func.lower(documents.c.title).like(pattern, escape=ESCAPE),
        func.lower(func.coalesce(documents.c.reference, "")).like(pattern, escape=ESCAPE),
    ]
    if _PHONE_QUERY.fullmatch(q):
        national = phone_digits(q)
        if len(national) >= MIN_PHONE_DIGITS:
            # a contains-match on the national part also matches "62..." and "0..." spellings
            conditions.append(_phone_column().like(f"%{national}%", escape=ESCAPE))
    return or_(*conditions)


def _check_filters(state, delivery, limit, offset) -> None:
    if state is not None and state not in DOCUMENT_STATES:
        raise AmbilError(f"state must be one of {', '.join(DOCUMENT_STATES)}", key="request.invalid")
    if delivery is not None and delivery not in DOCUMENT_KINDS:
        raise AmbilError(f"delivery must be one of {', '.join(DOCUMENT_KINDS)}", key="request.invalid")
    if not 1 <= limit <= MAX_LIMIT or offset < 0:
        raise AmbilError(f"limit must be 1..{MAX_LIMIT} and offset >= 0", key="request.invalid")


def search_documents(
    conn: Connection,
    *,
    q: str | None = None,
    state: str | None = None,
    delivery: str | None = None,
    kind_id: int | None = None,
    limit: int = PAGE_SIZE,
    offset: int = 0,
) -> SearchResult:
    """Documents matching every given filter, newest first; ``q`` matches title, reference or phone."""
    _check_filters(state, delivery, limit, offset)
    conditions = []
    q = (q or "").strip()[:MAX_QUERY]
    if q:
        conditions.append(_text_condition(q))
    if state is not None:
        conditions.append(documents.c.state == state)
    if delivery is not None:
        conditions.append(documents.c.kind == delivery)
    if kind_id is not None:
        conditions.append(documents.c.kind_id == kind_id)
    where = and_(*conditions) if conditions else None

    count_query = select(func.count()).select_from(documents)
    page_query = (
        select(documents)
        .order_by(documents.c.created_at.desc(), documents.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    if where is not None:
        count_query = count_query.where(where)
        page_query = page_query.where(where)
    total = conn.execute(count_query).scalar_one()
    items = [dict(row._mapping) for row in conn.execute(page_query)]
    return SearchResult(items=items, total=total, limit=limit, offset=offset)
