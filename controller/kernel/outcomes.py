"""How a claim ends: the outcomes a lane reports and the office records (DESIGN section 5).

- ``released``: the document came out (print confirmed, door seen open);
- ``failed``: nothing came out, the pickup may be claimed again;
- ``uncertain``: some or all of it may have come out: staff check, never a second release;
- ``abandoned``: the claim was given up before anything was actuated.
"""

from __future__ import annotations

RELEASED = "released"
FAILED = "failed"
UNCERTAIN = "uncertain"
ABANDONED = "abandoned"

CLAIM_OUTCOMES = (RELEASED, FAILED, UNCERTAIN, ABANDONED)
# after these a pickup must not be released again (offline, or by a second claim)
BLOCKING_OUTCOMES = (RELEASED, UNCERTAIN)
