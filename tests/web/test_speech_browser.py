"""The lane screen speaks in real headless Chromium: with lane.speech on, each new state fetches
and plays its clip, in the page's language and then the other; a missing clip stays silent."""

from __future__ import annotations

import shutil

import pytest

from controller.lane.screen import LaneState, make_view
from tests.rigs.browser import CHROMIUM, LAUNCH_ARGS
from tests.rigs.server import LiveServer
from web.speech import build_clips, clip_path


def until(page, check, what: str, seconds: float = 20.0) -> None:
    """Poll ``check`` while Playwright runs (its route handlers only run inside its calls)."""
    for _ in range(int(seconds * 10)):
        if check():
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def kiosk(chromium):
    """Chromium as the kiosk unit starts it: sound may play without a touch first."""
    browser = chromium.browser_type.launch(
        executable_path=CHROMIUM, args=[*LAUNCH_ARGS, "--autoplay-policy=no-user-gesture-required"]
    )
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    directory = tmp_path_factory.mktemp("clips")
    build_clips(directory)
    return directory


def test_each_new_state_plays_its_clip_in_both_languages(kiosk, build, clips):
    system = build(speech=True, result_seconds=120.0)
    system.lane.settings.status_interval = 3600  # the device monitor must not reset the view
    with LiveServer(system) as server:
        page = kiosk.new_page()
        fetched: list[str] = []

        def serve_clip(route):
            # the built clips from this test's directory, not the checkout's web/static/speech
            lang, name = route.request.url.rsplit("/", 2)[-2:]
            fetched.append(f"{lang}/{name}")
            path = clip_path(clips, lang, name.removesuffix(".wav"))
            if path.is_file():
                route.fulfill(status=200, content_type="audio/wav", body=path.read_bytes())
            else:
                route.fulfill(status=404, body="")

        page.route("**/static/speech/**", serve_clip)
        # media events do not bubble: caught on the way down, from the first clip on
        page.add_init_script(
            "document.addEventListener('playing', (e) => (window.played ||= []).push("
            "e.target.currentSrc.split('/speech/')[1]), true)"
        )
        page.goto(f"{server.url}/lane?lang=en")
        until(page, lambda: fetched[:2] == ["en/ready.wav", "id/ready.wav"], "the welcome, en then id")
        system.lane.display(make_view(LaneState.REFUSED, reason="code.expired"), hold=600)
        until(page, lambda: "en/code.expired.wav" in fetched, "the refusal's clip")
        until(page, lambda: "id/code.expired.wav" in fetched, "then in Bahasa Indonesia")
        until(page, lambda: "id/code.expired.wav" in page.evaluate("window.played || []"), "it plays")
        played = page.evaluate("window.played")
        # the welcome in English first; the refusal cut in and is said in both languages
        assert played[0] == "en/ready.wav"
        assert played[-2:] == ["en/code.expired.wav", "id/code.expired.wav"]
        # the same state again (a re-sent view) is not said twice
        count = len(fetched)
        system.lane.display(make_view(LaneState.REFUSED, reason="code.expired"), hold=600)
        page.wait_for_timeout(500)
        assert len(fetched) == count
        page.close()


def test_a_browser_that_refuses_autoplay_shows_every_state_silently(chromium, build):
    system = build(speech=True, result_seconds=120.0)
    system.lane.settings.status_interval = 3600
    with LiveServer(system) as server:
        page = chromium.new_page()  # no --autoplay-policy: play() is refused
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{server.url}/lane?lang=en")
        system.lane.display(make_view(LaneState.REFUSED, reason="code.expired"), hold=600)
        page.wait_for_function("window.ambilView && window.ambilView.state === 'refused'")
        assert page.inner_text("#primary") == "Code expired"
        assert errors == []
        page.close()
