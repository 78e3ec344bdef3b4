"""Helpers for page tests over real HTTP: log in through the form, post forms with the CSRF token."""

from __future__ import annotations

import re

import httpx

CSRF_FIELD = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match, "page has no csrf_token field"
    return match.group(1)


def browser(base_url: str) -> httpx.Client:
    return httpx.Client(base_url=base_url, follow_redirects=False, timeout=30)


def login(client: httpx.Client, username: str, password: str) -> httpx.Response:
    token = csrf_from(client.get("/login").text)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


def post_form(client: httpx.Client, page: str, action: str, data: dict | None = None, **kwargs):
    """GET ``page`` for a fresh token, then POST ``data`` to ``action`` with it."""
    token = csrf_from(client.get(page).text)
    return client.post(action, data={**(data or {}), "csrf_token": token}, **kwargs)
