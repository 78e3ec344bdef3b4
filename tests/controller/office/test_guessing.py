"""Guessing is bounded everywhere (DESIGN 5): wrong short codes and PINs are counted per pickup,
per lane and per site in a rolling window; only a successful release resets a lane's run of
misses. SQLite and PostgreSQL, time from the injected clock."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import update

from controller.kernel.codes import code_hash
from controller.kernel.errors import CodeError
from controller.office.db.tables import lanes
from controller.office.kinds import DocumentKinds

LANE = "lane-1"


def _cid() -> str:
    return uuid.uuid4().hex


def _answer(call) -> str:
    """The error key of a refused claim, or "granted"."""
    try:
        call()
    except CodeError as exc:
        return exc.key
    return "granted"


def _short(office, short_code: str, lane: str = LANE, claim_id: str | None = None, pin=None) -> str:
    return _answer(
        lambda: office.claim_short(short_code=short_code, claim_id=claim_id or _cid(), lane_id=lane, pin=pin)
    )


def _pin(office, code: str, pin: str, lane: str = LANE) -> str:
    return _answer(lambda: office.claim(code_hash=code_hash(code), claim_id=_cid(), lane_id=lane, pin=pin))


def _ready_print(office, pdf, kind_id=None):
    doc = office.create_document(kind="print", title="Akta", actor="staff", pdf=pdf, kind_id=kind_id)
    return doc["id"], office.mark_ready(doc["id"], "staff")


def _pin_kind(office) -> int:
    return DocumentKinds(office.engine).create("Paspor", "print", second_factor=True, actor="admin").id


def _wrong(n: int, right: set[str]) -> str:
    """A short code that is nobody's (the n-th such)."""
    while True:
        candidate = f"{9_000_000_000 + n:010d}"
        if candidate not in right:
            return candidate
        n += 1_000


def test_the_attackers_own_collected_code_between_wrong_ones_does_not_reset(office, pdf):
    _, own = _ready_print(office, pdf)
    office.claim(code_hash=code_hash(own.code), claim_id="own-claim", lane_id=LANE)
    office.report(claim_id="own-claim", lane_id=LANE, outcome="released")  # collected, long ago
    answers = []
    for n in range(5):
        answers.append(_short(office, _wrong(n, {own.short_code})))
        answers.append(_short(office, own.short_code))  # exists, cannot be claimed
    wrong_answers = answers[0::2]
    assert wrong_answers == ["code.unknown"] * 4 + ["code.locked_out"], answers
    assert answers[-1] == "code.locked_out"


def test_a_correct_code_that_is_not_released_does_not_reset(office, pdf):
    _, busy = _ready_print(office, pdf)
    office.claim(code_hash=code_hash(busy.code), claim_id="other-lane-claim", lane_id="lane-2")
    _, mine = _ready_print(office, pdf)
    answers = [_short(office, _wrong(n, set())) for n in range(2)]
    answers.append(_short(office, busy.short_code))  # right code, in progress at another lane
    answers.append(_short(office, mine.short_code, claim_id="mine-1"))  # granted ...
    office.report(claim_id="mine-1", lane_id=LANE, outcome="failed")  # ... but nothing came out
    answers += [_short(office, _wrong(n, set())) for n in range(2, 5)]
    assert answers == ["code.unknown"] * 2 + ["code.in_progress", "granted"] + ["code.unknown"] * 2 + [
        "code.locked_out"
    ]


def test_only_a_successful_release_resets_the_lanes_run_of_misses(office, pdf, clock):
    _, first = _ready_print(office, pdf)
    assert [_short(office, _wrong(n, set())) for n in range(4)] == ["code.unknown"] * 4
    assert _short(office, first.short_code, claim_id="typed-1") == "granted"
    office.report(claim_id="typed-1", lane_id=LANE, outcome="released")
    # a fresh run of five: the driver who mistyped four times and then collected is not punished
    answers = [_short(office, _wrong(n, set())) for n in range(4, 9)]
    assert answers == ["code.unknown"] * 4 + ["code.locked_out"]
    # the lockout still lasts its minutes, then the lane takes codes again
    clock.advance(5 * 60)
    _, second = _ready_print(office, pdf)
    assert _short(office, second.short_code) == "granted"


def test_wrong_pins_lock_the_pickup_after_five_until_staff_reissue(office, pdf):
    kind_id = _pin_kind(office)
    doc_id, issued = _ready_print(office, pdf, kind_id=kind_id)
    wrong = "000000" if issued.pin != "000000" else "111111"
    answers = []
    for lane in range(1, 6):  # five lanes, one wrong PIN each: no lane lockout helps the guesser
        office.ensure_lane(f"lane-{lane}")
        answers.append(_pin(office, issued.code, wrong, lane=f"lane-{lane}"))
    assert answers == ["code.pin_wrong"] * 4 + ["code.pin_locked"]
    office.ensure_lane("lane-6")
    right = _pin(office, issued.code, issued.pin, lane="lane-6")
    assert right == "code.pin_locked"  # even the right PIN: staff must reissue
    assert office.get_document(doc_id)["pickup"]["state"] == "ready"
    assert office.get_document(doc_id)["history"][-1]["action"] in ("pin.refused", "pickup.claim_refused")
    renewed = office.reissue(doc_id, "staff")
    assert _pin(office, renewed.code, renewed.pin, lane="lane-6") == "granted"


def test_wrong_pins_and_wrong_short_codes_share_the_lanes_run(office, pdf):
    kind_id = _pin_kind(office)
    pickups = [_ready_print(office, pdf, kind_id=kind_id)[1] for _ in range(3)]
    answers = []
    for issued in pickups:  # three stolen QR codes, one wrong PIN each
        answers.append(_pin(office, issued.code, "000000" if issued.pin != "000000" else "111111"))
    answers += [_short(office, _wrong(n, set())) for n in range(2)]
    assert answers == ["code.pin_wrong"] * 3 + ["code.unknown", "code.locked_out"]


def test_a_correct_pin_that_is_not_released_does_not_reset(office, pdf):
    kind_id = _pin_kind(office)
    _, own = _ready_print(office, pdf, kind_id=kind_id)
    answers = []
    for n in range(5):
        if n:
            claim_id = _cid()
            office.claim(code_hash=code_hash(own.code), claim_id=claim_id, lane_id=LANE, pin=own.pin)
            office.report(claim_id=claim_id, lane_id=LANE, outcome="failed")  # a "reprint", nothing out
        answers.append(_short(office, _wrong(n, set())))
    assert answers == ["code.unknown"] * 4 + ["code.locked_out"]


def test_lanes_of_one_site_share_one_bound(office):
    lanes_at_site = [f"kuta-{n}" for n in range(12)]
    for lane_id in lanes_at_site + ["ubud-1"]:
        office.ensure_lane(lane_id)
    with office.engine.begin() as conn:
        conn.execute(update(lanes).where(lanes.c.id.in_(lanes_at_site)).values(site="MPP Kuta"))
        conn.execute(update(lanes).where(lanes.c.id == "ubud-1").values(site="MPP Ubud"))
    per_lane = 4  # stays under each lane's own lockout (5 in a row)
    answers = [
        _short(office, _wrong(round_ * 100 + n, set()), lane=lane_id)
        for round_ in range(per_lane)
        for n, lane_id in enumerate(lanes_at_site)
    ]
    assert "code.locked_out" in answers, "twelve lanes gave twelve times the attempts"
    assert answers.count("code.unknown") <= office.guess_limits.site_limit < len(answers)
    assert _short(office, _wrong(9_999, set()), lane="ubud-1") == "code.unknown"  # another site


def test_a_lane_cannot_outwait_its_lockouts_within_the_window(office, clock):
    window = 3600.0
    start, checked, n = clock(), [], 0
    while clock() < start + 2 * window:
        answer = _short(office, _wrong(n, set()))
        n += 1
        if answer == "code.unknown":
            checked.append(clock())
        elif answer == "code.locked_out":
            clock.advance(5 * 60)  # wait out each lockout, then go on guessing
        else:
            raise AssertionError(answer)
    worst = max(sum(1 for t in checked if at - window < t <= at) for at in checked)
    assert worst <= 20, f"{worst} wrong codes checked within one hour"  # [office] lane_guess_limit
    assert (office.guess_limits.lane_limit, office.guess_limits.window_seconds) == (20, window)


@pytest.mark.parametrize("kind", ["short", "pin"])
def test_a_lockout_is_audited_and_never_logs_the_code(office, pdf, kind, caplog):
    kind_id = _pin_kind(office)
    _, issued = _ready_print(office, pdf, kind_id=kind_id)
    for n in range(6):
        if kind == "short":
            _short(office, _wrong(n, {issued.short_code}))
        else:
            office.ensure_lane(f"pin-lane-{n}")
            _pin(office, issued.code, f"{n:06d}", lane=f"pin-lane-{n}")
    text = caplog.text
    assert issued.code not in text and issued.short_code not in text and issued.pin not in text
    assert office.verify_audit().ok
