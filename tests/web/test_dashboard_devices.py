"""The dashboard's device views (issue 15, "The technician's dashboard"): the door grid is the
bank as built, in the lane screen's geometry; paper and toner are levels with words; reasons
and known details are words in the page's language, unknown details kept and marked; every
alert says what to do; the chart's range fits the data."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from controller.lane.screen import BankPlacement
from controller.office.alerts import SEVERITY
from web.i18n.alerts import rule_todo
from web.i18n.times import ago
from web.pages.dashboard import chart, nice_top
from web.pages.dashboard_devices import device_view, door_grid, door_marks, door_states, levels

NOW = 1_800_000_000.0


def lane_with(doors: dict, alarms: list | None = None, bank: str = "A") -> dict:
    """A lane summary (``Fleet.lanes()``) whose bank reports ``doors`` and ``alarms``."""
    device = {"kind": "locker", "name": bank, "state": "ok", "info": {"doors": doors}}
    return {"devices": {f"locker:{bank}": device}, "doors": {"active_alarms": alarms or []}}


def states(doors: dict, bank: str = "A") -> dict:
    return door_states(lane_with(doors, bank=bank))[bank]


def test_the_door_grid_is_the_bank_as_built_in_the_lane_screens_geometry():
    sensors = {str(n): "closed" for n in range(1, 9)} | {"3": "open"}
    grid = door_grid("A", states(sensors), {"columns": 4, "doors": 8, "held": [2, 7]}, "id")
    assert (grid["columns"], grid["rows"], grid["as_built"]) == (4, 2, True)
    placement = BankPlacement(columns=4, doors=8)
    for cell in grid["cells"]:  # where the lane screen would light the door
        where = placement.describe("A", cell["door"])
        assert (cell["row"], cell["column"]) == (where["row"], where["column"])
    assert [c["door"] for c in grid["cells"] if c["held"]] == [2, 7]
    assert grid["cells"][2]["word"] == "terbuka" and grid["cells"][0]["word"] == "tertutup"
    four = states({str(n): "closed" for n in range(1, 5)}, "B")
    two = door_grid("B", four, {"columns": 2, "doors": 4}, "en")
    assert (two["columns"], two["rows"]) == (2, 2)
    assert [(c["row"], c["column"]) for c in two["cells"]] == [(1, 1), (1, 2), (2, 1), (2, 2)]
    # a bank whose lane never said its columns: drawn with the lane screen's default, and said so
    unknown = door_grid("C", states({"1": "unknown", "2": "closed"}, "C"), None, "id")
    assert (unknown["columns"], unknown["as_built"]) == (BankPlacement.columns, False)


def test_door_alarms_are_read_once_for_the_dashboards_grid_and_the_staff_grid():
    doors = {str(n): "closed" for n in range(1, 9)} | {"3": "open", "5": "open"}
    alarms = [
        {"bank": "A", "door": 3, "kind": "left_open"},
        {"bank": "A", "door": 3, "kind": "forced"},  # both active: the worse one is shown
        {"bank": "A", "door": 9, "kind": "forced"},  # a door the bank's report did not list
        {"bank": "A", "door": None, "kind": "sensor_error"},  # the bank's, not a door's
        {"bank": "A", "door": 8, "kind": "out_of_service"},  # not a door a person must look at
    ]
    lane = lane_with(doors, alarms)
    read = door_states(lane)["A"]
    assert {d: s["alarm"] for d, s in read.items() if s["alarm"]} == {3: "forced", 9: "forced"}
    assert (read[5], read[9]["sensor"]) == ({"sensor": "open", "alarm": None}, "unknown")
    # the dashboard's grid draws that reading
    view = device_view("locker:A", lane["devices"]["locker:A"], {}, "id", NOW, doors={"A": read})
    cells = {c["door"]: c for c in view["grid"]["cells"]}
    assert (cells[3]["alarm"], cells[3]["alarm_word"], cells[5]["alarm"]) == ("forced", "dibuka paksa", None)
    # and the staff's: the alarms and an open door, in the page's language
    assert door_marks([lane], "en") == {
        "A": {
            3: {"kind": "forced", "words": "forced open"},
            5: {"kind": "open", "words": "open"},
            9: {"kind": "forced", "words": "forced open"},
        }
    }
    left = lane_with({"2": "open"}, [{"bank": "A", "door": 2, "kind": "left_open"}])
    assert door_marks([left], "id") == {"A": {2: {"kind": "left_open", "words": "dibiarkan terbuka"}}}
    assert door_marks([lane_with({"1": "closed"})], "id") == {}


@pytest.mark.parametrize(
    ("info", "state", "fraction", "words", "low"),
    [
        ({"paper": "empty"}, "error", 0.0, "habis", True),
        ({"paper": 0}, "error", 0.0, "habis", True),
        ({"paper": "low"}, "warning", 0.1, "hampir habis", True),
        ({"paper": 125}, "ok", 0.5, "125 lembar", False),
        ({"paper": None}, "ok", 1.0, "tidak dilaporkan menipis", False),
        ({}, "ok", 1.0, "tidak dilaporkan menipis", False),
        ({"paper": 125}, "offline", None, "tidak diketahui", False),  # offline: nothing is known
    ],
)
def test_paper_is_a_level_with_words(info, state, fraction, words, low):
    (paper,) = levels(info, state, "id")
    assert (paper["fraction"], paper["words"], paper["low"]) == (fraction, words, low)


def test_toner_is_a_level_only_when_reported():
    assert [level["name"] for level in levels({"paper": "low"}, "warning", "en")] == ["paper"]
    toner = levels({"toner": 12}, "warning", "en")[1]
    assert (toner["percent"], toner["words"], toner["low"]) == (12, "12%", True)
    assert levels({"toner": 80}, "ok", "en")[1]["low"] is False


def test_the_printer_says_its_state_and_reasons_in_the_pages_language():
    dev = {
        "kind": "printer",
        "name": "sim-printer",
        "state": "error",
        "reasons": ["media-empty", "vendor-thing"],
        "detail": "out of paper, vendor-thing",
        "info": {"printer_state": "idle", "paper": "empty", "accepting_jobs": True},
    }
    view = device_view("printer", dev, {}, "id", NOW)
    assert view["says"] == "Tidak bisa mencetak sekarang"  # idle while out of paper is no "ready"
    assert view["reasons"] == [
        {"text": "kertas habis", "known": True},
        {"text": "vendor-thing", "known": False},  # kept, marked as the device's own text
    ]
    assert view["detail"] is None  # the English detail only repeats the reasons
    assert not any("paper" in line or "Kertas" in line for line in view["facts"])  # drawn as a level
    ok = device_view("printer", {**dev, "state": "ok", "reasons": [], "detail": "ready"}, {}, "id", NOW)
    assert ok["says"] == "Siap, menunggu cetakan" and ok["detail"] == {"text": "siap", "known": True}


def test_an_unknown_detail_is_kept_and_marked_and_times_read_as_ago():
    dev = {
        "kind": "scanner",
        "state": "offline",
        "reasons": ["cannot-open"],
        "detail": "opening /dev/ttyACM0",
        "info": {"last_read_at": NOW - 12, "count": 3},
    }
    view = device_view("scanner", dev, {}, "id", NOW)
    assert view["detail"] == {"text": "opening /dev/ttyACM0", "known": False}
    assert view["reasons"] == [{"text": "tidak bisa dibuka", "known": True}]
    assert "Terakhir membaca: 12 dtk lalu" in view["facts"]
    never = device_view("scanner", {**dev, "info": {"last_read_at": None}}, {}, "en", NOW)
    assert never["facts"] == ["Last read: never"]
    assert [ago(s, "en") for s in (12, 150, 3 * 3600, 3 * 86400)] == [
        "12 s ago",
        "2 min ago",
        "3 h ago",
        "3 days ago",
    ]


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_alert_rule_says_what_to_do(lang):
    missing = [family for family in SEVERITY if not rule_todo(f"{family}:A:3", lang)]
    assert missing == []
    assert "A 3" in rule_todo("door.forced:A:3", lang)


def test_the_charts_range_fits_the_data():
    assert [nice_top(v) for v in (0, 1, 2, 3, 7, 10, 11, 48, 120)] == [2, 2, 2, 5, 10, 10, 20, 50, 200]
    series = [{"start": NOW + i * 600, "scans": i % 3, "releases": 0, "failures": 0} for i in range(36)]
    drawn = chart(series, ZoneInfo("Asia/Makassar"), "id")
    assert drawn["max"] == 2 and not drawn["empty"] and drawn["bucket_minutes"] == 10
    assert all("." in label["text"] for label in drawn["labels"])  # 14.30: the page's clock
    quiet = chart([{**b, "scans": 0} for b in series], ZoneInfo("UTC"), "en")
    assert quiet["empty"] and ":" in quiet["labels"][0]["text"]
