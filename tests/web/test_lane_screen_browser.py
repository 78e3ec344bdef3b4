"""The lane screen in real headless Chromium at a 10-inch kiosk's 1280x800: every state in both
languages (screenshots kept as artifacts), the keypad for short codes and PINs, and the rating."""

from __future__ import annotations

import time

import pytest

from controller.lane.screen import LaneState, make_view
from tests.rigs.browser import screenshot
from tests.rigs.server import LiveServer
from tests.rigs.wait import wait_for
from web.i18n.lane_screen import screen_texts

KIOSK = {"width": 1280, "height": 800}

STATES = [
    ("ready", make_view(LaneState.READY)),
    ("reading", make_view(LaneState.READING)),
    ("checking", make_view(LaneState.CHECKING)),
    ("pin_entry", make_view(LaneState.PIN_ENTRY)),
    ("printing", make_view(LaneState.PRINTING, page=2, pages=5)),
    ("take_document", make_view(LaneState.TAKE_DOCUMENT)),
    (
        "door_open",
        make_view(
            LaneState.DOOR_OPEN,
            door=7,
            bank="A",
            row=2,
            column=3,
            place_id="di kanan jalur",
            place_en="on the right",
        ),
    ),
    ("refused_used", make_view(LaneState.REFUSED, reason="code.already_released")),
    ("refused_expired", make_view(LaneState.REFUSED, reason="code.expired")),
    ("problem_paper", make_view(LaneState.PROBLEM, reason="print.media_empty")),
    ("problem_door", make_view(LaneState.PROBLEM, reason="door.not_detected")),
    ("offline", make_view(LaneState.OFFLINE)),
    ("out_of_service", make_view(LaneState.OUT_OF_SERVICE)),
]


@pytest.fixture
def lane_site(build):
    system = build(result_seconds=120.0)  # results stay up while the browser looks
    system.lane.settings.status_interval = 3600  # the device monitor must not reset the idle view
    with LiveServer(system) as server:
        yield system, server


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_state_in_both_languages(chromium, lane_site, lang):
    system, server = lane_site
    page = chromium.new_page(viewport=KIOSK)
    page.goto(f"{server.url}/lane?lang={lang}")
    for name, view in STATES:
        system.lane.display(view, hold=600)
        page.wait_for_function(f"window.ambilView && window.ambilView.seq === {system.lane.screen.view.seq}")
        primary = page.inner_text("#primary")
        secondary = page.inner_text("#secondary")
        expected = (
            (screen_texts(view.to_dict())[1], screen_texts(view.to_dict())[0])
            if lang == "en"
            else (screen_texts(view.to_dict())[0], screen_texts(view.to_dict())[1])
        )
        assert (primary, secondary) == expected, name
        assert page.evaluate("document.body.dataset.state") == str(view.state)
        # readable from a car: the instruction is big and nothing spills off the kiosk screen
        size = page.evaluate("parseFloat(getComputedStyle(document.getElementById('primary')).fontSize)")
        assert size >= 40, (name, size)
        fits = (
            "document.documentElement.scrollWidth <= innerWidth"
            " && document.documentElement.scrollHeight <= innerHeight"
        )
        screenshot(page, f"lane-{name}-{lang}")
        assert page.evaluate(fits), (name, page.evaluate("document.documentElement.scrollHeight"))
        screenshot(page, f"lane-{name}-{lang}")
    door = dict(STATES)["door_open"]
    system.lane.display(door, hold=600)
    page.wait_for_function(f"window.ambilView.seq === {system.lane.screen.view.seq}")
    assert page.inner_text("#door-number") == "7"
    where = page.inner_text("#where")
    assert ("row 2" in where) if lang == "en" else ("baris 2" in where)
    page.close()


def test_the_keypad_releases_by_short_code(chromium, lane_site):
    system, server = lane_site
    office = system.office
    doc = office.create_document(
        kind="locker", title="STNK", locker_bank="A", door=2, actor="test", loaded_at=time.time()
    )
    issued = office.mark_ready(doc["id"], "test")
    page = chromium.new_page(viewport=KIOSK)
    page.goto(f"{server.url}/lane")
    page.click("#open-keypad")
    for digit in issued.short_code:
        page.click(f".key[data-key='{digit}']")
    assert page.inner_text("#entry").replace(" ", "") == issued.short_code
    screenshot(page, "lane-keypad-id")
    page.click(".key[data-key='ok']")
    wait_for(lambda: office.get_document(doc["id"])["state"] == "released", what="released by short code")
    page.wait_for_function("window.ambilView.state === 'door_open'")
    assert not page.is_visible("#rating")  # not beside "take your item": after the door is closed
    wait_for(lambda: system.lane.read_door("A", 2) is False, what="the simulated door closed")
    system.lane.timing.door_closed(system.lane.read_door)  # what the lane's monitor does
    page.wait_for_function("window.ambilView.state === 'rating'")
    # the one-touch rating after the pickup
    page.click(".rate[data-score='5']")
    page.wait_for_selector("#rated", state="visible")
    screenshot(page, "lane-rated-id")
    with office.engine.connect() as conn:
        from sqlalchemy import select

        from controller.office.db.tables import ratings

        rows = conn.execute(select(ratings.c.score, ratings.c.lane_id)).all()
    assert [(r.score, r.lane_id) for r in rows] == [(5, "lane-1")]
    page.close()


def test_the_screen_reconnects_by_itself(chromium, build):
    system = build(result_seconds=120.0)
    server = LiveServer(system).__enter__()
    port = server.port
    page = chromium.new_page(viewport=KIOSK)
    page.goto(f"{server.url}/lane")
    page.wait_for_function("window.ambilView && window.ambilView.state === 'ready'")
    server.__exit__(None, None, None)
    page.wait_for_selector("#link.down", timeout=15000)
    system2 = build(result_seconds=120.0)
    with LiveServer(system2, port=port):
        system2.lane.display(make_view(LaneState.PROBLEM, reason="device.failed"), hold=600)
        page.wait_for_function("window.ambilView.state === 'problem'", timeout=20000)
        assert "down" not in page.get_attribute("#link", "class")
    page.close()
