"""The grant: the office's yes to one claim, as the office makes it and the lane releases it.

One class for both sides (DESIGN section 5): the office builds it inside the claim transaction, the
lane gets it in process or from the office API's JSON (``from_mapping``), and an offline release
builds one from the lane's synced copy (where title, pages and the PDF hash are not known).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass(frozen=True)
class Grant:
    """What a lane may release under one claim."""

    claim_id: str
    pickup_id: int
    document_id: int
    kind: str  # "print" | "locker"
    title: str = ""
    pages: int | None = None
    pdf_sha256: str | None = None
    locker_bank: str | None = None
    door: int | None = None
    expires_at: float | None = None
    # the pickup's code hash, from the office: the lane's journal names the pickup even for a short code
    code_hash: str | None = None

    @classmethod
    def from_mapping(cls, data: dict) -> Grant:
        """A grant from the office API's JSON; keys this version does not know are ignored."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)
