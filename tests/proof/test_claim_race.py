"""Suite 1, claim race: many lanes try every code at once; exactly one release per code.

Each lane is a thread with its own engine (its own connections), as separate lane requests
reaching the office would be; only the office's conditional update decides who wins.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
from sqlalchemy import func, select

from controller.kernel.errors import CodeError
from controller.office import audit
from controller.office.db.tables import claims, pickups
from tests.conftest import make_pdf
from tests.proof.conftest import make_office

LANES = 8
LOSING_KEYS = {"code.in_progress", "code.already_released"}


def issue_codes(office, count: int) -> list[str]:
    """``count`` print documents marked ready; returns their code hashes."""
    from controller.kernel.codes import code_hash

    pdf = make_pdf(1)
    hashes = []
    for number in range(count):
        doc = office.create_document(kind="print", title=f"Dokumen {number}", actor="staff:proof", pdf=pdf)
        hashes.append(code_hash(office.mark_ready(doc["id"], "staff:proof").code))
    return hashes


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_every_code_is_released_exactly_once(backend, make_db, tmp_path, size, figures):
    codes = size(200, 1000)
    factory = make_db(backend)
    setup = make_office(factory(), tmp_path)
    for lane in range(1, LANES + 1):
        setup.ensure_lane(f"lane-{lane}")
    hashes = issue_codes(setup, codes)

    won: dict[int, list[str]] = {lane: [] for lane in range(1, LANES + 1)}
    refused: Counter[str] = Counter()
    errors: list[BaseException] = []
    start = threading.Barrier(LANES)
    lock = threading.Lock()

    def lane_worker(lane: int) -> None:
        office = make_office(factory(), tmp_path)
        lane_id = f"lane-{lane}"
        start.wait()
        try:
            for index, key in enumerate(hashes):
                claim_id = f"{lane_id}-{index}"
                try:
                    office.claim(code_hash=key, claim_id=claim_id, lane_id=lane_id)
                except CodeError as exc:
                    with lock:
                        refused[exc.key] += 1
                    continue
                office.report(claim_id=claim_id, lane_id=lane_id, outcome="released")
                won[lane].append(key)
        except BaseException as exc:  # noqa: BLE001 - surfaced by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=lane_worker, args=(lane,)) for lane in won]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    assert not errors, errors

    per_code = Counter(key for keys in won.values() for key in keys)
    attempts = codes * LANES
    figures(
        f"{backend}: {codes} codes x {LANES} lanes = {attempts} claims in {elapsed:.1f} s "
        f"({attempts / elapsed:.0f} claims/s); released {sum(per_code.values())}, "
        f"codes released twice {sum(1 for n in per_code.values() if n > 1)}, "
        f"refused {dict(refused)}, wins per lane {[len(w) for w in won.values()]}"
    )
    assert set(per_code) == set(hashes)
    assert max(per_code.values()) == 1
    assert sum(refused.values()) == attempts - codes
    assert set(refused) <= LOSING_KEYS
    with setup.engine.connect() as conn:
        states = Counter(conn.execute(select(pickups.c.state)).scalars())
        claim_rows = conn.execute(select(func.count()).select_from(claims)).scalar_one()
    assert states == {"released": codes}
    assert claim_rows == codes
    audit.seal_all(setup.engine)  # PostgreSQL: what the office's sealer does after each commit
    chain = setup.verify_audit()
    assert chain.ok and chain.pending == 0 and chain.count >= codes, chain
