"""The lane's spoken prompts (issue 15): real WAVs from espeak-ng, the config key, the lane page."""

from __future__ import annotations

import logging
import os
import shutil
import wave

import pytest

from controller.config import ConfigError, parse_config
from controller.lane.screen import LaneState, make_view
from tests.rigs.server import LiveServer
from web.cli import main
from web.i18n import LANGUAGES
from web.i18n.lane_screen import with_texts
from web.i18n.speech import clip_of, spoken_text
from web.speech import CLIPS, CLIPS_DIR, SpeechError, build_clips, clip_path, missing_clips, warn_if_missing


def needs_espeak() -> None:
    # only a developer's machine without it may skip; CI (and ./setup.sh test) installs it
    if shutil.which("espeak-ng") is None and not os.environ.get("CI"):
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng)")


def test_every_clip_has_a_sentence_in_both_languages_and_no_blank_field():
    for lang in LANGUAGES:
        for clip in CLIPS:
            text = spoken_text(lang, clip)
            assert text and "{" not in text and "[" not in text, (lang, clip)
    # "Door {door} is open" names one pickup: the clip says what to do instead
    assert spoken_text("en", "door_open") == "Take your item, then close the door."
    assert "6" in spoken_text("id", "pin_entry")  # the PIN length is the same for every pickup
    assert spoken_text("id", "ready").startswith("Selamat datang.")


def test_a_view_with_a_reason_speaks_its_headline_and_text_else_its_fault_class():
    expired = {"state": "refused", "reason": "code.expired", "fault": "user"}
    assert clip_of(expired) == "code.expired"
    assert (
        spoken_text("en", "code.expired")
        == "Code expired. This code has expired. Please see the staff at the counter."
    )
    assert spoken_text("en", "code.pin_wrong").startswith("Wrong PIN. Show")  # the headline once
    # no headline of its own, or only texts naming one pickup: the class's headline
    assert clip_of({"state": "problem", "reason": "print.failed", "fault": "lane"}) == "fault_lane"
    assert clip_of({"state": "refused", "reason": "code.wrong_lane", "fault": "user"}) == "fault_user"
    assert clip_of({"state": "offline", "reason": "", "fault": "lane"}) == "offline"
    assert with_texts(make_view(LaneState.REFUSED, reason="code.expired").to_dict())["clip"] == "code.expired"


def test_build_makes_a_real_wav_per_clip_and_language(tmp_path, capsys):
    needs_espeak()
    assert main(["speech", "build", "--out", str(tmp_path)]) == 0
    assert f"{len(CLIPS) * len(LANGUAGES)} speech clips in {tmp_path}" in capsys.readouterr().out
    for lang in LANGUAGES:
        for clip in CLIPS:
            path = clip_path(tmp_path, lang, clip)
            assert path.read_bytes()[:4] == b"RIFF"
            with wave.open(str(path)) as audio:
                seconds = audio.getnframes() / audio.getframerate()
            assert 0.3 < seconds < 30, (path, seconds)
    assert missing_clips(tmp_path) == []
    assert not list(tmp_path.rglob("*.part"))
    # the Indonesian voice, not English read aloud: the two clips of one state differ
    assert clip_path(tmp_path, "id", "ready").read_bytes() != clip_path(tmp_path, "en", "ready").read_bytes()


def test_without_espeak_no_clip_and_a_clear_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(SpeechError, match="espeak-ng is not installed"):
        build_clips(tmp_path)
    assert main(["speech", "build", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "espeak-ng is not installed" in err and "the lane works silently" in err
    assert not list(tmp_path.rglob("*.wav"))


def test_a_failing_espeak_leaves_no_half_file(tmp_path):
    with pytest.raises(SpeechError, match="espeak-ng failed"):
        build_clips(tmp_path, espeak="/bin/false")
    assert not list(tmp_path.rglob("*.wav*"))


def test_build_if_enabled_does_nothing_when_off(tmp_path, capsys):
    config = tmp_path / "ambil.toml"
    config.write_text(f'state_dir = "{tmp_path / "state"}"\n', encoding="utf-8")
    out = tmp_path / "clips"
    assert main(["speech", "build", "--config", str(config), "--out", str(out), "--if-enabled"]) == 0
    assert "lane.speech is off" in capsys.readouterr().out and not out.exists()
    assert main(["speech", "enabled", "--config", str(config)]) == 1
    config.write_text(f'state_dir = "{tmp_path / "state"}"\n[lane]\nspeech = true\n', encoding="utf-8")
    assert main(["speech", "enabled", "--config", str(config)]) == 0


def test_speech_is_off_by_default_and_only_a_boolean(tmp_path):
    assert parse_config({}).lane.speech is False
    assert parse_config({"lane": {"speech": True}}).lane.speech is True
    for bad in ("yes", "on", 1):
        with pytest.raises(ConfigError) as caught:
            parse_config({"lane": {"speech": bad}}, "ambil.toml")
        assert caught.value.problems == ["lane.speech: Input should be a valid boolean"]


def test_missing_clips_are_one_warning(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="web.speech"):
        missing = warn_if_missing(tmp_path)
    assert len(missing) == len(CLIPS) * len(LANGUAGES)
    lines = [r.getMessage() for r in caplog.records if r.name == "web.speech"]
    assert len(lines) == 1 and "ambil speech build" in lines[0] and "silent" in lines[0]


def test_the_lane_page_has_audio_only_when_speech_is_on(build, caplog):
    with LiveServer(build()) as server, server.client() as http:
        assert 'id="speech"' not in http.get("/lane").text
    assert not [r for r in caplog.records if r.name == "web.speech"]  # off: not a word about clips
    with caplog.at_level(logging.WARNING, logger="web.speech"):
        with LiveServer(build(speech=True)) as server, server.client() as http:
            page = http.get("/lane?lang=en").text
            assert '<audio id="speech"' in page and "/static/speech/" in page
            # served by the static mount once built; never built, a plain 404: the page goes on silent
            answer = http.get("/static/speech/en/ready.wav")
    built = clip_path(CLIPS_DIR, "en", "ready").is_file()
    assert answer.status_code == (200 if built else 404)
    if built:
        assert answer.headers["content-type"].startswith("audio/") and answer.content[:4] == b"RIFF"
    if missing_clips(CLIPS_DIR):  # the app's start says so, once
        lines = [r.getMessage() for r in caplog.records if r.name == "web.speech"]
        assert len(lines) == 1 and lines[0].startswith("lane.speech is on but")
