"""What the lane screen says: the text of each screen state, in Bahasa Indonesia and English.

The lane publishes states, error keys and details only (``controller/lane/screen.py``); the text
is chosen here when the screen, its live events or the lane API show a view: ``lane.state.<state>``
from the catalogs, and for a refusal or problem the error's own text (``error.<key>``), the same
as in the API.
"""

from __future__ import annotations

from web.i18n import both


def screen_texts(view: dict) -> tuple[str, str]:
    """(Bahasa Indonesia, English) for one view (``LaneView.to_dict()``), details filled in."""
    reason = view.get("reason") or ""
    key = f"error.{reason}" if reason else f"lane.state.{view['state']}"
    detail = view.get("detail") or {}
    fill = {"page": "?", "pages": "?", "door": "?", "bank": "", "where_id": "", "where_en": "", **detail}
    return both(key, **fill)


def with_texts(view: dict) -> dict:
    """The view as the screen and the lane API show it: with ``text_id`` and ``text_en``."""
    text_id, text_en = screen_texts(view)
    return {**view, "text_id": text_id, "text_en": text_en}
