"""The staff locker grid in real headless Chromium: a bank is drawn as it is built (its
``columns`` from the bank's row), door 1 top left, numbered left to right and top down as on the
lane screen, at 1280 px and on a 360 px phone alike; a door forced open is marked on it.
"""

from __future__ import annotations

import pytest

from tests.rigs.browser import log_in, screenshot
from tests.rigs.server import LiveServer
from tests.rigs.wait import wait_for
from web.pages.dashboard_devices import door_states

PASSWORD = "petugas-mpp-2026"


@pytest.fixture
def site(build):
    # bank A: 8 doors in 4 columns (two rows); bank B: 3 doors in one column
    system = build(
        lockers=[
            {"type": "sim", "id": "A", "doors": 8, "columns": 4},
            {"type": "sim", "id": "B", "doors": 3, "columns": 1},
        ]
    )
    system.accounts.create_user("siti", PASSWORD, "staff")
    with LiveServer(system) as server:
        yield system, server


def _boxes(page, bank: str, doors: int) -> dict[int, dict]:
    return {n: page.locator(f"#door-{bank}-{n}").bounding_box() for n in range(1, doors + 1)}


def _rows_and_columns(boxes: dict[int, dict]) -> list[list[int]]:
    """The doors as the browser laid them out: rows top down, each left to right."""
    rows: dict[float, list[tuple[float, int]]] = {}
    for door, box in boxes.items():
        rows.setdefault(round(box["y"]), []).append((box["x"], door))
    return [[door for _x, door in sorted(rows[y])] for y in sorted(rows)]


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (360, 740)], ids=["desktop", "phone"])
def test_the_grid_has_the_banks_columns(chromium, site, width, height):
    system, server = site
    assert [(b.id, b.columns) for b in system.lockers.banks()] == [("A", 4), ("B", 1)]
    context = chromium.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    log_in(page, server.url, "siti", PASSWORD)
    page.wait_for_url("**/staff/documents")
    page.goto(f"{server.url}/staff/lockers")
    assert _rows_and_columns(_boxes(page, "A", 8)) == [[1, 2, 3, 4], [5, 6, 7, 8]]
    assert _rows_and_columns(_boxes(page, "B", 3)) == [[1], [2], [3]]
    # the page itself never scrolls sideways: a bank wider than a phone scrolls in its own box
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"staff-lockers-built-{width}")
    context.close()


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (360, 740)], ids=["desktop", "phone"])
def test_a_door_forced_open_shows_on_the_staff_grid_in_both_languages(chromium, build, width, height):
    """Someone opens door 3 without a command: the lane's door watch calls it forced, its
    heartbeat says so, and the staff grid marks the door in words (the dashboard's reading)."""
    system = build(heartbeat_seconds=0.2, lockers=[{"type": "sim", "id": "A", "doors": 8, "columns": 4}])
    system.lane.settings.status_interval = 0.2
    system.fleet.alerts.notify = None
    system.accounts.create_user("siti", PASSWORD, "staff")

    def state_of(door: int) -> dict:
        return door_states(system.fleet.lane(system.config.lane.id)).get("A", {}).get(door, {})

    with LiveServer(system) as server:
        context = chromium.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        log_in(page, server.url, "siti", PASSWORD)
        page.wait_for_url("**/staff/documents")
        system.lane.lockers["A"].open_door(3)  # a crowbar, not a pickup
        wait_for(lambda: state_of(3).get("alarm") == "forced", what="the forced door in the lane's heartbeat")
        page.goto(f"{server.url}/staff/lockers?lang=id")
        door = page.locator("#door-A-3")
        assert door.get_attribute("data-mark") == "forced" and "⚠" in door.inner_text()
        assert page.locator("#doors-A [data-mark=forced]").count() == 1  # only that door
        # in words under the bank (a phone's tile has room for the sign only)
        assert page.locator("#marks-A").inner_text().strip() == "⚠ Loker A pintu 3: dibuka paksa"
        screenshot(page, f"staff-lockers-forced-id-{width}")
        page.goto(f"{server.url}/staff/lockers?lang=en")
        assert page.locator("#marks-A").inner_text().strip() == "⚠ Locker A door 3: forced open"
        if width > 600:  # a desktop's tile has room for the words too
            assert "forced open" in page.locator("#door-A-3").inner_text()
        screenshot(page, f"staff-lockers-forced-en-{width}")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        system.lane.lockers["A"].close_door(3)  # closed again: the mark goes with the alarm
        # the alarm and the sensor's reading may reach the heartbeat one poll apart: wait for both
        closed = {"sensor": "closed", "alarm": None}
        wait_for(lambda: state_of(3) == closed, what="door 3 closed, its alarm cleared, in the heartbeat")
        page.goto(f"{server.url}/staff/lockers")
        assert page.locator("#door-A-3").get_attribute("data-mark") == ""
        assert page.locator("#marks-A").count() == 0
        context.close()
