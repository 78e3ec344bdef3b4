"""Suite: guessing is bounded. Random interleavings of wrong, right and old short codes and of
wrong and right PINs across the lanes of two sites, on an injected clock, then from the audit log
(every checked wrong entry leaves ``short_code.refused`` or ``pin.refused``):

- within any window, the wrong entries checked per site and per lane stay within their limits,
  however many lanes a site has and however often right codes come in between;
- no pickup has more wrong PINs checked than ``pin_limit``;
- every answer that told the guesser "wrong" (``code.unknown``, ``code.pin_wrong``) was counted.
"""

from __future__ import annotations

import json
import random
import uuid
from collections import Counter, defaultdict
from functools import partial

import pytest
from sqlalchemy import select

from controller.kernel.codes import code_hash
from controller.kernel.errors import CodeError
from controller.office.blobs import BlobStore
from controller.office.db.tables import audit_log
from controller.office.guessing import GuessLimits
from controller.office.kinds import DocumentKinds
from controller.office.office import Office
from tests.conftest import make_pdf
from tests.controller.office.conftest import FakeClock
from tests.proof.conftest import SHORT_KEY

LIMITS = GuessLimits(
    lockout_after=5, lockout_seconds=300, window_seconds=3600, lane_limit=12, site_limit=20, pin_limit=5
)
SITES = {"MPP Kuta": [f"kuta-{n}" for n in range(6)], "MPP Ubud": ["ubud-1", "ubud-2"]}
WRONG_SAID = ("code.unknown", "code.pin_wrong")


def _worst_window(times: list[float], window: float) -> int:
    times = sorted(times)
    return max((sum(1 for t in times if at - window < t <= at) for at in times), default=0)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_wrong_guesses_checked_stay_within_every_bound(backend, make_db, tmp_path, size, figures):
    steps = size(400, 3000)
    rng = random.Random(f"guess-bound-{backend}")
    clock = FakeClock()
    office = Office(
        make_db(backend)(), BlobStore(tmp_path / "blobs"), SHORT_KEY, clock=clock, guess_limits=LIMITS
    )
    site_of = {}
    for site, lane_ids in SITES.items():
        for lane_id in lane_ids:
            office.ensure_lane(lane_id, site=site)
            site_of[lane_id] = site
    pin_kind = DocumentKinds(office.engine).create("Paspor", "print", second_factor=True, actor="proof").id
    pdf = make_pdf(1)

    def issue(pin: bool):
        doc = office.create_document(
            kind="print", title="Dok", actor="staff", pdf=pdf, kind_id=pin_kind if pin else None
        )
        return {"doc": doc["id"], "issued": office.mark_ready(doc["id"], "staff"), "pin": pin}

    pickups = [issue(pin=n % 2 == 0) for n in range(12)]
    known = {p["issued"].short_code for p in pickups}
    said: Counter[str] = Counter()

    def attempt(lane_id: str, call) -> str:
        try:
            grant = call()
        except CodeError as exc:
            said[exc.key] += 1
            return exc.key
        # the driver collects (or the print fails and stays claimable)
        outcome = rng.choice(["released", "released", "failed"])
        office.report(claim_id=grant.claim_id, lane_id=lane_id, outcome=outcome)
        said["granted"] += 1
        return "granted"

    for _ in range(steps):
        lane_id = rng.choice([lane for lanes in SITES.values() for lane in lanes])
        target = rng.choice(pickups)
        issued, cid = target["issued"], uuid.uuid4().hex
        roll = rng.random()
        if roll < 0.45:  # a wrong short code
            digits = f"{rng.randrange(10**10):010d}"
            if digits not in known:
                attempt(
                    lane_id, partial(office.claim_short, short_code=digits, claim_id=cid, lane_id=lane_id)
                )
        elif roll < 0.65 and target["pin"]:  # a stolen QR and a guessed PIN
            guess = f"{rng.randrange(10**6):06d}"
            if guess != issued.pin:
                hashed = code_hash(issued.code)
                attempt(
                    lane_id, partial(office.claim, code_hash=hashed, claim_id=cid, lane_id=lane_id, pin=guess)
                )
        elif roll < 0.85:  # a right (or already collected: an old) short code, PIN if it has one
            pin = issued.pin if target["pin"] else None
            short = issued.short_code
            attempt(
                lane_id, partial(office.claim_short, short_code=short, claim_id=cid, lane_id=lane_id, pin=pin)
            )
        else:
            clock.advance(rng.choice([5, 30, 120, 300, 900]))

    with office.engine.connect() as conn:
        checked = conn.execute(
            select(audit_log.c.at, audit_log.c.actor, audit_log.c.subject, audit_log.c.detail).where(
                audit_log.c.action.in_(("short_code.refused", "pin.refused"))
            )
        ).all()
    per_site, per_lane, per_document = defaultdict(list), defaultdict(list), Counter()
    for row in checked:
        lane_id = row.actor.removeprefix("lane:")
        per_site[site_of[lane_id]].append(row.at)
        per_lane[lane_id].append(row.at)
        if "pin_locked" in json.loads(row.detail):
            per_document[row.subject] += 1
    worst_site = max(_worst_window(times, LIMITS.window_seconds) for times in per_site.values())
    worst_lane = max(_worst_window(times, LIMITS.window_seconds) for times in per_lane.values())
    figures(
        f"{backend}: {steps} steps, answers {dict(said)}; wrong entries checked per site-hour <= {worst_site}"
        f" (limit {LIMITS.site_limit}), per lane-hour <= {worst_lane} (limit {LIMITS.lane_limit}),"
        f" wrong PINs per pickup <= {max(per_document.values(), default=0)} (limit {LIMITS.pin_limit})"
    )
    assert worst_site <= LIMITS.site_limit
    assert worst_lane <= LIMITS.lane_limit
    assert max(per_document.values(), default=0) <= LIMITS.pin_limit
    told_wrong = sum(said[key] for key in WRONG_SAID)
    assert told_wrong <= len(checked) <= told_wrong + said["code.locked_out"] + said["code.pin_locked"]
    assert said["code.locked_out"] > 0 and told_wrong > LIMITS.site_limit  # the bounds were reached
    assert office.verify_audit().ok
