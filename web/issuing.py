"""Issuing a pickup code from the pages or the API: the office issues it, the citizen is told.

The plaintext code (and the PIN of a sensitive kind) exist only in the answer to this request.
"""

from __future__ import annotations

import logging

from controller.office.documents import IssuedCode

log = logging.getLogger(__name__)


def issue_code(system, doc_id: int, actor: str, *, reissue: bool = False) -> IssuedCode:
    office = system.office
    issued = (office.reissue if reissue else office.mark_ready)(doc_id, actor)
    notify = getattr(system.notifications, "code_issued", None)
    if notify is not None:
        try:
            notify(doc_id, issued.code)
        except Exception:  # the code is issued; a notifier fault must not hide it from staff
            log.exception("notifying the citizen of document %d failed", doc_id)
    return issued
