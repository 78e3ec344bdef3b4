"""What the lane says aloud: one sentence per clip and language, made from the lane screen's own
texts, never a second copy of them.

A clip is a lane state (``lane.state.<state>`` then ``lane.more.<state>``), a reason with a
headline of its own (``lane.headline.<key>`` then ``error.<key>``, e.g. ``code.expired``), or the
headline of a fault class for a reason without one (``fault_user``, ``fault_lane``): the same
choice ``screen_texts`` makes for the screen. ``clip_of`` names a view's clip, and the lane screen
gets it with the view's texts (``with_texts``), so the page plays what it shows.

Clips are made once at install time (``web/speech.py``), so a text that names something of one
pickup (``{door}``, ``{page}``) is left out: "Door {door} is open" cannot be spoken ahead of time,
"Take your item, then close the door" can.
"""

from __future__ import annotations

from string import Formatter

from controller.kernel.codes import PIN_DIGITS
from web.i18n import has, t
from web.i18n.catalog import texts

# fields the same for every pickup, so a clip made at install time may say them
FIXED = {"digits": PIN_DIGITS}
# the clip of a view whose reason has no headline of its own: its fault class (screen.py fault_of)
FAULT_KEYS = {"fault_user": "lane.headline.user", "fault_lane": "lane.headline.lane"}
HEADLINE = "lane.headline."


def reason_clips() -> list[str]:
    """Every reason (error key) with a headline of its own that can be said ahead of time."""
    classes = set(FAULT_KEYS.values())
    keys = [k for k in texts()["id"] if k.startswith(HEADLINE) and k not in classes]
    return [k.removeprefix(HEADLINE) for k in keys if spoken_text("id", k.removeprefix(HEADLINE))]


def clip_of(view: dict) -> str:
    """The clip a view (``LaneView.to_dict()``) plays."""
    reason = view.get("reason") or ""
    if reason:
        # a reason whose texts all name one pickup (code.wrong_lane names the lane) has no clip
        return reason if spoken_text("id", reason) else f"fault_{view.get('fault') or 'lane'}"
    return str(view["state"])


def _speakable(lang: str, key: str) -> str:
    if not has(key):
        return ""
    raw = t(lang, key)
    fields = {name for _, name, _, _ in Formatter().parse(raw) if name}
    if not fields <= FIXED.keys():
        return ""  # names one pickup's door or page: not known at install time
    return t(lang, key, **FIXED) if fields else raw


def spoken_text(lang: str, clip: str) -> str:
    """The sentence of ``clip`` (see the module docstring) in ``lang``; "" = none."""
    if clip in FAULT_KEYS:
        keys = [FAULT_KEYS[clip]]
    elif has(HEADLINE + clip):
        keys = [HEADLINE + clip, f"error.{clip}"]
    else:
        keys = [f"lane.state.{clip}", f"lane.more.{clip}"]
    # a headline without a full stop ("Type your PIN") still needs a pause before what follows
    parts = [p if p.endswith((".", "!", "?")) else p + "." for p in (_speakable(lang, k) for k in keys) if p]
    if len(parts) == 2 and parts[1].lower().startswith(parts[0].lower()):
        parts = parts[1:]  # "Wrong PIN. Wrong PIN. Show your QR again": the headline once is enough
    return " ".join(parts)
