"""What the lane screen says: each view's headline and its explanation, in Bahasa Indonesia and
English.

The lane publishes states, error keys and details only (``controller/lane/screen.py``); the text
is chosen here when the screen, its live events or the lane API show a view. A refusal or problem
reads as a short headline (``lane.headline.<key>``, else the headline of its class, the driver's
code or the lane) over the error's own text (``error.<key>``, the same as in the API); a state as
``lane.state.<state>`` over ``lane.more.<state>`` (with the variants below).
"""

from __future__ import annotations

from controller.kernel.codes import PIN_DIGITS
from web.i18n import both, has
from web.i18n.speech import clip_of

FILL = {"page": "?", "pages": "?", "door": "?", "bank": "", "lane": "?", "digits": PIN_DIGITS}


def screen_texts(view: dict) -> tuple[str, str]:
    """(Bahasa Indonesia, English) headline of one view (``LaneView.to_dict()``), details filled in."""
    reason = view.get("reason") or ""
    fill = {**FILL, **(view.get("detail") or {})}
    if reason:
        key = f"lane.headline.{reason}"
        return both(key if has(key) else f"lane.headline.{view.get('fault') or 'lane'}", **fill)
    return both(f"lane.state.{view['state']}", **fill)


def more_texts(view: dict) -> tuple[str, str]:
    """(Bahasa Indonesia, English) explanation under the headline ("" when there is none)."""
    reason, state = view.get("reason") or "", view["state"]
    detail = view.get("detail") or {}
    fill = {**FILL, **detail}
    if reason:
        return both(f"error.{reason}", **fill)
    key = f"lane.more.{state}"
    if state == "offline" and detail.get("lockers"):
        key = "lane.more.offline_lockers"
    elif state in ("ready", "reading") and detail.get("prints") is False:
        key = "lane.more.no_prints"
    elif state == "printing" and not int(detail.get("page") or 0):
        key = "lane.more.printing_start"  # never "page 0 of N": no counter before the first page
    return both(key, **fill) if has(key) else ("", "")


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
        f"{where_id} · {place_id}" if place_id else where_id,
        f"{where_en} · {place_en}" if place_en else where_en,
    )


def with_texts(view: dict) -> dict:
    """The view as the screen and the lane API show it: headline ``text_id`` / ``text_en``, the
    explanation ``more_id`` / ``more_en``, for an open door ``where_id`` / ``where_en``, and
    ``clip``, the spoken prompt the screen plays when ``lane.speech`` is on (web/i18n/speech.py)."""
    text_id, text_en = screen_texts(view)
    more_id, more_en = more_texts(view)
    detail = view.get("detail") or {}
    if "row" in detail:
        where_id, where_en = door_where(detail)
        view = {**view, "detail": {**detail, "where_id": where_id, "where_en": where_en}}
    texts = {"text_id": text_id, "text_en": text_en, "more_id": more_id, "more_en": more_en}
    return {**view, **texts, "clip": clip_of(view)}
