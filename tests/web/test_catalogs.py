"""The gettext catalogs (issue 15, "Translations"): every text has a non-empty, non-fuzzy
translation in both languages with the same ``{fields}``, and every key the code and the
templates use is in the catalogs. Failures list the keys."""

from __future__ import annotations

import io
import string

import pytest
from babel.messages.pofile import read_po

from controller.kernel.errors import ERROR_KEYS
from controller.lane.screen import LaneState
from controller.office.alerts import SEVERITY
from hardware.printer.reasons import ATTENTION_REASONS, BLOCKING_REASONS
from hardware.signals.interface import LIGHT_STATES
from web.i18n.catalog import LANGUAGES, po_path, texts
from web.i18n.extract import used_keys
from web.pages.dashboard_devices import PRINTER_STATES


def _catalog(source: bytes):
    return read_po(io.BytesIO(source))


def untranslated(catalog) -> list[str]:
    """Keys without a usable translation: empty or fuzzy."""
    return sorted(m.id for m in catalog if m.id and (not m.string or m.fuzzy))


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_msgid_has_a_translation(lang):
    catalog = _catalog(po_path(lang).read_bytes())
    assert len(catalog) > 500
    assert untranslated(catalog) == []


def test_the_check_sees_an_empty_and_a_fuzzy_translation():
    broken = (
        b'msgid "a.ok"\nmsgstr "Ya"\n\nmsgid "a.empty"\nmsgstr ""\n\n'
        b'#, fuzzy\nmsgid "a.fuzzy"\nmsgstr "Mungkin"\n'
    )
    assert untranslated(_catalog(broken)) == ["a.empty", "a.fuzzy"]


def test_both_languages_hold_the_same_keys_with_the_same_fields():
    by_lang = texts()
    assert sorted(set(by_lang["id"]) ^ set(by_lang["en"])) == []
    # a translation may leave a field out (the English line of the message has no link) but never
    # bring one the other language lacks: that is a typo, and a KeyError when the text is shown
    differ = []
    for key, text in by_lang["id"].items():
        ours, theirs = _fields(text), _fields(by_lang["en"][key])
        if not (ours <= theirs or theirs <= ours):
            differ.append(key)
    assert differ == []


def test_every_key_used_in_code_and_templates_is_in_the_catalogs():
    used = used_keys()
    assert len(used) > 250  # the extractor sees the templates and the Python code
    missing = {key: where for key, where in used.items() if key not in texts()["id"]}
    assert missing == {}


def test_keys_made_at_run_time_are_in_the_catalogs():
    """Families of keys the extractor cannot see, against the lists they are made from."""
    made = [f"error.{key}" for key in ERROR_KEYS]
    made += [f"lane.state.{s}" for s in LaneState if s not in (LaneState.REFUSED, LaneState.PROBLEM)]
    made += [f"alert.{family}" for family in SEVERITY]
    made += [f"alert_todo.{family}" for family in SEVERITY]  # what a technician does about it
    made += [f"device.reason.{r}" for r in sorted(BLOCKING_REASONS | ATTENTION_REASONS)]  # printer reasons
    made += [f"dashboard.printer.{state}" for state in PRINTER_STATES]
    made += [f"dashboard.kind.{kind}" for kind in ("locker", "printer", "scanner", "signals")]
    made += [f"device.word.{state}" for state in LIGHT_STATES]  # the light a lane reports
    assert sorted(key for key in made if key not in texts()["id"]) == []
