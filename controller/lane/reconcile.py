"""Reports the lane's offline releases to the office once it is back, until each is acknowledged.

The office applies each one (``controller/office/sync.py``) or flags it as a conflict for staff;
either way it answers with a verdict, and only then is the release marked reconciled (and
reported) in the journal. Sending the same release twice is harmless: the office answers
``duplicate`` and changes nothing.
"""

from __future__ import annotations

import logging

from controller.kernel.errors import OfficeUnreachable
from controller.lane.offline import OfflineStore

log = logging.getLogger(__name__)

BATCH = 100  # releases per request


class Reconciler:
    """Sends ``store.unreconciled()`` through ``link.report_offline`` in batches."""

    def __init__(self, store: OfflineStore, link):
        self.store = store
        self.link = link
        self.totals: dict[str, int] = {}

    def run(self) -> int:
        """One pass; returns how many offline releases are still unreconciled.

        Raises ``OfficeUnreachable`` when the office cannot be told (the caller retries later)."""
        while True:
            pending = self.store.unreconciled()
            if not pending:
                return 0
            batch = pending[:BATCH]
            body = [
                {key: item[key] for key in ("claim_id", "code_hash", "outcome", "detail", "released_at")}
                for item in batch
            ]
            verdicts = self.link.report_offline(body)
            answered = {v["claim_id"]: v for v in verdicts}
            for item in batch:
                verdict = answered.get(item["claim_id"])
                if verdict is None:
                    continue  # not answered: sent again next pass
                result = verdict.get("result", "")
                self.totals[result] = self.totals.get(result, 0) + 1
                if result == "conflict":
                    log.warning(
                        "offline release %s flagged by the office: %s",
                        item["claim_id"],
                        verdict.get("detail"),
                    )
                elif result == "refused":
                    log.warning(
                        "office refused offline release %s: %s", item["claim_id"], verdict.get("detail")
                    )
                self.store.mark_reconciled(item["claim_id"], result)
            if len(answered) < len(batch):
                raise OfficeUnreachable("the office answered only part of the offline releases")
