"""Headless Chromium for page tests: Playwright for Python driving Debian's /usr/bin/chromium.

Playwright never downloads a browser here. Screenshots go to artifacts/screenshots/ (kept out of
git), where a person can look at them after a run.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.rigs.unavailable import rig_unavailable

CHROMIUM = os.environ.get("AMBIL_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium():
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        rig_unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        rig_unavailable("playwright is not installed (pip install playwright)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
        yield browser
        browser.close()


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot as an artifact and return its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def log_in(page, url: str, username: str, password: str) -> None:
    """Sign in through the login form, as a person does; the page is on where the login led."""
    page.goto(f"{url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit].primary")
    page.wait_for_load_state()
