"""What the lane says aloud: one sentence per clip and language, made from the lane screen's own
texts (``lane.state.<state>`` then ``lane.more.<state>``), never a second copy of them.

A clip is made once at install time (``web/speech.py``), so a text that names something of one
pickup (``{door}``, ``{page}``) is left out: "Door {door} is open" cannot be spoken ahead of time,
"Take your item, then close the door" can. A view with a reason (a refusal, a problem) speaks the
headline of its class, the one the screen shows when the reason has none of its own.
"""

from __future__ import annotations

from string import Formatter

from controller.kernel.codes import PIN_DIGITS
from web.i18n import has, t

# fields the same for every pickup, so a clip made at install time may say them
FIXED = {"digits": PIN_DIGITS}
# the clip of a view with a reason: its fault class (controller/lane/screen.py fault_of)
FAULT_KEYS = {"fault_user": "lane.headline.user", "fault_lane": "lane.headline.lane"}


def clip_of(view: dict) -> str:
    """The clip a view (``LaneView.to_dict()``) plays; lane.js picks it the same way."""
    if view.get("reason"):
        return f"fault_{view.get('fault') or 'lane'}"
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
    """The sentence of ``clip`` (a lane state or a ``fault_*`` name) in ``lang``; "" = none."""
    if clip in FAULT_KEYS:
        return _speakable(lang, FAULT_KEYS[clip])
    parts = (_speakable(lang, f"lane.state.{clip}"), _speakable(lang, f"lane.more.{clip}"))
    # a headline without a full stop ("Type your PIN") still needs a pause before what follows
    return " ".join(p if p.endswith((".", "!", "?")) else p + "." for p in parts if p)
