"""The locker pages over real HTTP: the door grid, loading a door through the lane, retrieval."""

from __future__ import annotations

import re
import time
from contextlib import contextmanager

import pytest

from controller.kernel.errors import DocumentError
from controller.office import audit
from tests.rigs.server import LiveServer
from tests.web.helpers import browser, csrf_from, login, post_form

PASSWORD = "kata-sandi-rahasia"


@pytest.fixture
def site(build):
    system = build()
    system.accounts.create_user("siti", PASSWORD, "staff")
    system.accounts.create_user("teknisi", PASSWORD, "technician")
    with LiveServer(system) as server:
        yield server


def door_state(html: str, bank: str, door: int) -> str:
    match = re.search(rf'id="door-{bank}-{door}" data-state="([a-z_]+)"', html)
    assert match, f"door {bank}-{door} not on the page"
    return match.group(1)


@contextmanager
def staff(site):
    with browser(site.url) as web:
        assert login(web, "siti", PASSWORD).status_code == 303
        yield web


def test_grid_shows_every_door_free_and_technicians_are_refused(site):
    with staff(site) as web:
        page = web.get("/staff/lockers")
        assert page.status_code == 200
        assert [door_state(page.text, "A", n) for n in range(1, 5)] == ["free"] * 4
        assert "Lemari loker A" in page.text
    with browser(site.url) as tech:
        login(tech, "teknisi", PASSWORD)
        assert tech.get("/staff/lockers").status_code == 403


def test_loading_opens_exactly_that_door_then_confirm_then_ready(site):
    system = site.system
    bank = system.lane.lockers["A"]
    doc = system.office.create_document(kind="locker", title="KTP-el", actor="test", door_size="M")
    doc_id = doc["id"]
    with staff(site) as web:
        page = web.get(f"/staff/lockers?doc={doc_id}")
        assert 'id="load-open-form"' in page.text
        assert re.search(r'<option value="A:1" selected>', page.text)  # the suggestion
        opened = post_form(
            web, f"/staff/lockers?doc={doc_id}", f"/staff/documents/{doc_id}/load/open", {"door": "A:3"}
        )
        assert opened.status_code == 303 and "ok=lockers.opened" in opened.headers["location"]
        assert [door for door, _ms, _at in bank.pulses] == [3]
        with pytest.raises(DocumentError) as err:  # the door is open, the item not confirmed in
            system.office.mark_ready(doc_id, actor="test")
        assert err.value.key == "locker.not_loaded"
        page = web.get(opened.headers["location"])
        assert door_state(page.text, "A", 3) == "reserved"
        assert "Pintu terbuka" in page.text and 'id="load-confirm"' in page.text

        # the door still reads open: confirming is refused until it is closed
        bank.open_door(3)
        refused = post_form(web, f"/staff/lockers?doc={doc_id}", f"/staff/documents/{doc_id}/load/confirm")
        assert "warn=error.locker.door_open" in refused.headers["location"]
        assert "masih terbuka" in web.get(refused.headers["location"]).text
        bank.close_door(3)
        confirmed = post_form(web, f"/staff/lockers?doc={doc_id}", f"/staff/documents/{doc_id}/load/confirm")
        assert "ok=lockers.loaded" in confirmed.headers["location"]
        assert "warn" not in confirmed.headers["location"]
        assert door_state(web.get("/staff/lockers").text, "A", 3) == "loaded"

        system.office.mark_ready(doc_id, actor="test")
        assert door_state(web.get("/staff/lockers").text, "A", 3) == "awaiting"
    assert [door for door, _ms, _at in bank.pulses] == [3]  # confirming never pulses
    history = [h["action"] for h in system.office.get_document(doc_id)["history"]]
    assert history.index("locker.door_assigned") < history.index("locker.door_opened_for_loading")
    assert history.index("locker.door_opened_for_loading") < history.index("locker.loaded")
    opened_record = next(
        h
        for h in system.office.get_document(doc_id)["history"]
        if h["action"] == "locker.door_opened_for_loading"
    )
    assert opened_record["detail"]["outcome"] == "opened" and opened_record["detail"]["door"] == 3
    assert system.lane.journal.unreported() == []


def test_a_taken_door_is_refused_with_a_message_and_nothing_pulses(site):
    system = site.system
    bank = system.lane.lockers["A"]
    first = system.office.create_document(kind="locker", title="KTP-el", actor="test", door_size="M")
    second = system.office.create_document(kind="locker", title="Paspor", actor="test", door_size="M")
    system.lockers.assign_door(first["id"], "A", 2, actor="test")
    with staff(site) as web:
        response = post_form(
            web, "/staff/lockers", f"/staff/documents/{second['id']}/load/open", {"door": "A:2"}
        )
        assert "warn=error.locker.door_taken" in response.headers["location"]
        page = web.get(response.headers["location"])
        assert "dipakai dokumen lain" in page.text
    assert bank.pulses == []


def test_a_bank_of_a_lane_that_never_answers_expires_and_offers_no_confirm(site):
    """A lane not in this process gets a queued command; nobody takes it before its deadline, so
    it expires, the page says the door was not opened, and there is no "item is in" button."""
    system = site.system
    system.commands.deadline_s = 2.0  # office.lane_command_seconds, short for the test
    system.lockers.create_lane("lane-far", "Jauh", actor="test")
    system.lockers.save_bank("F", "lane-far", 2, actor="test")
    doc = system.office.create_document(kind="locker", title="STNK", actor="test", door_size="M")
    with staff(site) as web:
        response = post_form(
            web, "/staff/lockers", f"/staff/documents/{doc['id']}/load/open", {"door": "F:1"}
        )
        assert "warn=lane_commands.expired" in response.headers["location"]
        assert door_state(web.get("/staff/lockers").text, "F", 1) == "reserved"
        page = web.get(response.headers["location"]).text
        assert "pintu TIDAK dibuka" in page and 'id="load-confirm"' not in page
        refused = post_form(
            web, f"/staff/lockers?doc={doc['id']}", f"/staff/documents/{doc['id']}/load/confirm"
        )
        assert "warn=lane_commands.open_first" in refused.headers["location"]
    assert system.office.get_document(doc["id"])["loaded_at"] is None
    record = next(
        h
        for h in system.office.get_document(doc["id"])["history"]
        if h["action"] == "locker.door_opened_for_loading"
    )
    assert record["detail"]["outcome"] == "expired"
    with system.engine.connect() as conn:
        actions = [h["action"] for h in audit.history(conn, "lane:lane-far")]
    assert actions[-2:] == ["lane.command_queued", "lane.command_expired"]


def test_expired_item_is_listed_and_retrieved(site):
    system = site.system
    doc = system.office.create_document(
        kind="locker", title="KTP-el", actor="test", locker_bank="A", door=4, loaded_at=1.0
    )
    issued = system.office.mark_ready(doc["id"], actor="test", expiry_days=1)
    system.office.clock = lambda: issued.expires_at + 1  # the office takes a clock: a day later
    assert system.office.expire_due() == 1
    assert system.office.get_document(doc["id"])["state"] == "expired"
    with staff(site) as web:
        page = web.get("/staff/lockers")
        assert door_state(page.text, "A", 4) == "to_retrieve"
        assert f'id="retrieve-{doc["id"]}"' in page.text and "Kode kedaluwarsa" in page.text
        token = csrf_from(page.text)
        done = web.post(f"/staff/documents/{doc['id']}/retrieved", data={"csrf_token": token})
        assert done.status_code == 303 and "ok=lockers.retrieved" in done.headers["location"]
        assert system.lane.sync.sync_once()  # the lane holds a snapshot taken after the retrieval
        page = web.get("/staff/lockers")
        assert door_state(page.text, "A", 4) == "free" and f'id="retrieve-{doc["id"]}"' not in page.text
        # without the CSRF token the form is refused
        assert web.post(f"/staff/documents/{doc['id']}/retrieved").status_code == 403


def test_a_cancelled_locker_document_leaves_its_door_to_retrieve_until_staff_empty_it(site):
    """Defect 6: cancelling a ready locker document freed its door with the item still inside,
    and the door was offered for loading the next item."""
    system = site.system
    system.lane.sync.stop()  # the test says when the lane syncs
    assert system.lane.sync.sync_once()
    doc = system.office.create_document(
        kind="locker", title="KTP-el", actor="test", locker_bank="A", door=1, loaded_at=time.time()
    )
    system.office.mark_ready(doc["id"], actor="test")
    other = system.office.create_document(kind="locker", title="Paspor", actor="test", door_size="M")
    with staff(site) as web:
        cancelled = post_form(
            web, f"/staff/documents/{doc['id']}", f"/staff/documents/{doc['id']}/cancel", {"confirm": "yes"}
        )
        assert cancelled.status_code in (200, 303)
        page = web.get("/staff/lockers")
        assert door_state(page.text, "A", 1) == "to_retrieve"
        assert "Dokumen dibatalkan" in page.text and f'id="retrieve-{doc["id"]}"' in page.text
        panel = web.get(f"/staff/lockers?doc={other['id']}").text
        assert '<option value="A:1"' not in panel  # not offered for loading
        refused = post_form(
            web, "/staff/lockers", f"/staff/documents/{other['id']}/load/open", {"door": "A:1"}
        )
        assert "warn=error.locker.to_retrieve" in refused.headers["location"]
        detail = web.get(f"/staff/documents/{doc['id']}").text
        assert 'id="retrieved-form"' in detail
        done = post_form(
            web,
            f"/staff/documents/{doc['id']}",
            f"/staff/documents/{doc['id']}/retrieved",
            {"next": f"/staff/documents/{doc['id']}"},
        )
        assert done.headers["location"].startswith(f"/staff/documents/{doc['id']}?ok=lockers.retrieved")
        assert door_state(web.get("/staff/lockers").text, "A", 1) == "awaiting_sync"
        assert system.lane.sync.sync_once()
        assert door_state(web.get("/staff/lockers").text, "A", 1) == "free"
    assert system.lane.lockers["A"].pulses == []  # nothing was opened
