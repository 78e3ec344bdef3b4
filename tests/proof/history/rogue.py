"""A rogue lane key: a third registered lane of the site that misuses what it learns.

It owns no locker and no printer, so it can never hold a claim of its own nor have released
anything offline. It talks to the office through the product's own in-process lane link (the
same ``InProcessOfficeLink`` the real lanes use, under its own lane id), and does what a stolen
or misused lane key could do (issue 11, defects 8 and 9):

- ``steal``: with another lane's live claim id and code hash (learnt on the wire: ``armed``, a
  one-shot fault, makes it see the next claim the office grants any lane; or ``replay``, a claim
  the office holds live now, e.g. one a killed lane left), it sends them as a claim retry,
  fetches that claim's PDF and reports an outcome for it. Every one of them must be refused: the
  rogue never gets a grant, a PDF or a say on a claim that is not its own.
- ``report_offline``: it reports a bogus offline release of a pickup whose code hash it knows
  (sometimes under that pickup's live claim id). The office must refuse it, audit the refusal
  (``offline.refused``) and change nothing: no pickup frozen ``uncertain`` by a lane that could
  not have released it.

Each violation is a plain sentence in ``problems``, checked after every step.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from controller.kernel.errors import AmbilError
from controller.lane.link.in_process import InProcessOfficeLink
from controller.office.db.tables import audit_log, documents, pickups
from controller.office.sync import OfficeSync

ROGUE_ID = "h-3"


class Rogue:
    """The rogue lane key of one history."""

    def __init__(self, office, struck):
        self.office = office
        self.link = InProcessOfficeLink(office, ROGUE_ID, office_sync=OfficeSync(office))
        self.struck = struck  # the history's count of faults that struck, by kind
        self.problems: list[str] = []
        self.armed = False  # sees the next claim the office grants (FaultyOffice)

    # -- defect 8: another lane's live claim ---------------------------------------------------
    def sniffed(self, grant, owner: str) -> None:
        """An armed rogue saw the office grant ``grant`` to lane ``owner``: misuse it at once."""
        if self.armed:
            self.armed = False
            code_hash = getattr(grant, "code_hash", None) or self._hash_of(grant.pickup_id)
            self.steal(grant.claim_id, code_hash, grant.kind, grant.pickup_id, grant.document_id, owner)

    def replay(self, pick: int) -> None:
        """Misuse a claim the office holds live now (another lane's), if there is one."""
        with self.office.engine.connect() as conn:
            rows = conn.execute(
                select(pickups.c.id, pickups.c.code_hash, pickups.c.claim_id, pickups.c.lane_id)
                .add_columns(documents.c.kind, documents.c.id.label("doc"))
                .select_from(pickups.join(documents, pickups.c.document_id == documents.c.id))
                .where(pickups.c.state == "claimed")
                .order_by(pickups.c.id)
            ).all()
        if rows:
            row = rows[pick % len(rows)]
            self.steal(row.claim_id, row.code_hash, row.kind, row.id, row.doc, row.lane_id)

    def steal(self, cid: str, code_hash: str, kind: str, pickup_id: int, doc: int, owner: str) -> None:
        """Send lane ``owner``'s live claim ``cid`` as the rogue's own: all must be refused."""
        self.struck["rogue_retry"] += 1
        try:
            got = self.link.claim(code_hash=code_hash, claim_id=cid)
        except AmbilError:
            pass
        else:
            self.problems.append(
                f"rogue lane {ROGUE_ID} got the grant of claim {cid[:8]} (document {got.document_id}) "
                f"held by {owner} by retrying it"
            )
        if kind == "print":
            self.struck["rogue_pdf"] += 1
            try:
                self.link.fetch_pdf(cid)
            except AmbilError:
                pass
            else:
                self.problems.append(
                    f"rogue lane {ROGUE_ID} downloaded the PDF of document {doc} claimed by {owner} "
                    f"(claim {cid[:8]})"
                )
        before = self._states(pickup_id)
        try:
            self.link.report(claim_id=cid, outcome="failed", detail="rogue")
        except AmbilError:
            pass
        else:
            self.problems.append(f"rogue lane {ROGUE_ID} reported the outcome of {owner}'s claim {cid[:8]}")
        if self._states(pickup_id) != before:
            self.problems.append(
                f"rogue lane {ROGUE_ID}'s report on {owner}'s claim {cid[:8]} changed document {doc} "
                f"from {before} to {self._states(pickup_id)}"
            )

    # -- defect 9: a bogus offline release -----------------------------------------------------
    def report_offline(self, pick: int) -> None:
        """Report a bogus offline release of a known pickup (live ones first)."""
        with self.office.engine.connect() as conn:
            rows = conn.execute(
                select(pickups.c.id, pickups.c.code_hash, pickups.c.state, pickups.c.claim_id).order_by(
                    pickups.c.id
                )
            ).all()
        if not rows:
            return
        live = [r for r in rows if r.state in ("ready", "claimed")]
        row = (live if live and pick % 4 else rows)[pick % len(live if live and pick % 4 else rows)]
        claim_id = row.claim_id if row.claim_id and pick % 2 else uuid.uuid4().hex
        before, audited = self._states(row.id), self._refusals()
        self.struck["rogue_offline"] += 1
        release = {
            "claim_id": claim_id,
            "code_hash": row.code_hash,
            "outcome": "released",
            "released_at": self.office.clock(),
            "detail": "rogue: door opened",
        }
        try:
            verdicts = self.link.report_offline([release])
        except AmbilError as exc:
            verdicts = [{"result": "refused", "detail": exc.key}]
        after = self._states(row.id)
        result = verdicts[0].get("result") if verdicts else None
        if result != "refused":
            self.problems.append(
                f"rogue lane {ROGUE_ID}'s bogus offline release of pickup {row.id} was not refused "
                f"(verdict {verdicts})"
            )
        if after != before:
            self.problems.append(
                f"rogue lane {ROGUE_ID}'s bogus offline release froze pickup {row.id}: "
                f"{before} -> {after} (pickup, document)"
            )
        if self._refusals() != audited + 1:
            self.problems.append(
                f"rogue lane {ROGUE_ID}'s bogus offline release of pickup {row.id} "
                "left no offline.refused audit record"
            )

    # -- what the office holds -----------------------------------------------------------------
    def _states(self, pickup_id: int) -> tuple:
        with self.office.engine.connect() as conn:
            return tuple(
                conn.execute(
                    select(pickups.c.state, documents.c.state)
                    .select_from(pickups.join(documents, pickups.c.document_id == documents.c.id))
                    .where(pickups.c.id == pickup_id)
                ).one()
            )

    def _hash_of(self, pickup_id: int) -> str:
        with self.office.engine.connect() as conn:
            return conn.execute(select(pickups.c.code_hash).where(pickups.c.id == pickup_id)).scalar_one()

    def _refusals(self) -> int:
        with self.office.engine.connect() as conn:
            return conn.execute(
                select(func.count()).select_from(audit_log).where(audit_log.c.action == "offline.refused")
            ).scalar_one()
