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
    fill = {"page": "?", "pages": "?", "door": "?", "bank": "", **detail}
    return both(key, **fill)


def door_where(detail: dict) -> tuple[str, str]:
    """(Bahasa Indonesia, English) of where the open door is: the bank, its row and column, and
    the place the site gave the bank in its config (``where`` / ``where_en``)."""
    if "row" not in detail:
        return "", ""
    where_id, where_en = both(
        "lane.where", bank=detail.get("bank", ""), row=detail["row"], column=detail["column"]
    )
    place_id, place_en = detail.get("place_id") or "", detail.get("place_en") or ""
    return (
        f"{where_id}, {place_id}" if place_id else where_id,
        f"{where_en}, {place_en}" if place_en else where_en,
    )


def with_texts(view: dict) -> dict:
    """The view as the screen and the lane API show it: with ``text_id`` and ``text_en``, and for
    an open door ``where_id`` / ``where_en`` in its detail."""
    text_id, text_en = screen_texts(view)
    detail = view.get("detail") or {}
    if "row" in detail:
        where_id, where_en = door_where(detail)
        view = {**view, "detail": {**detail, "where_id": where_id, "where_en": where_en}}
    return {**view, "text_id": text_id, "text_en": text_en}
