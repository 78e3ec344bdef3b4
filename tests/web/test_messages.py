"""The words of the office's messages, written by web/ (issue 12: every user-facing text in one
i18n place): alert lines for every rule the office raises, and the citizen's message."""

from __future__ import annotations

import pytest

from controller.office.alerts import SEVERITY
from web.i18n.alerts import rule_text
from web.i18n.messages import CatalogTexts


def test_rule_text_in_both_languages():
    assert rule_text("door.left_open:A:3", "lane-2", "en") == "Door A 3 of lane-2 was left open"
    assert rule_text("door.left_open:A:3", "lane-2", "id") == "Pintu A 3 di lane-2 dibiarkan terbuka"
    assert rule_text("no.such_rule:x", "lane-2", "en") == "no.such_rule:x"  # shown, not lost


@pytest.mark.parametrize("family", sorted(SEVERITY))
def test_every_rule_the_office_raises_has_its_words(family):
    for lang in ("id", "en"):
        line = rule_text(f"{family}:A:3", "lane-1", lang)
        assert line != f"{family}:A:3" and "lane-1" in line and "{" not in line


def test_an_alert_message_has_both_languages_and_the_detail():
    subject, text = CatalogTexts().alert(rule="printer.media_empty", lane="lane-1", detail="media-empty")
    assert subject == "[ambil] Printer lane-1 kehabisan kertas"
    assert text == "Printer lane-1 kehabisan kertas\nPrinter of lane-1 is out of paper\n(media-empty)\n"


def test_the_citizen_message_names_the_document_link_and_expiry():
    subject, text = CatalogTexts().code_issued(
        title="Akta Kelahiran", link="https://ambil.example.id/p/X", expires_at=1_750_000_000.0
    )
    assert subject == "Dokumen siap diambil / Document ready: Akta Kelahiran"
    first, english = text.split("\n\n")
    assert 'Dokumen Anda "Akta Kelahiran" siap diambil' in first and "https://ambil.example.id/p/X" in first
    assert "Berlaku sampai 15 Juni 2025, 23.06 WITA." in first
    assert "Valid until 15 June 2025, 23:06 WITA." in english
