"""Rendering pages: every template gets the language, ``t``, the CSRF token, the user and the nav."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from web.auth import Principal, session_principal
from web.csrf import csrf_token
from web.deps import system_of, zone_of
from web.i18n import LANG_COOKIE, request_lang, t
from web.i18n.times import format_time

# (path, text key, roles that see it): the main navigation
NAV = (
    ("/staff/documents", "nav.documents", ("staff", "admin")),
    ("/staff/lockers", "nav.lockers", ("staff", "admin")),
    ("/dashboard", "nav.dashboard", ("technician", "admin")),
    ("/staff/reports", "nav.reports", ("staff", "admin", "technician")),
    ("/admin", "nav.admin", ("admin",)),
)


def render(
    request: Request,
    template: str,
    context: dict | None = None,
    *,
    status: int = 200,
    who: Principal | None = None,
) -> HTMLResponse:
    who = who or session_principal(request)
    lang = request_lang(request, who.language if who else None)
    nav = [(path, key) for path, key, roles in NAV if who and who.role in roles]
    zone = zone_of(request)
    data = {
        "lang": lang,
        "t": lambda key, **values: t(lang, key, **values),
        # every time on a page: in the site's zone, with its abbreviation (web/i18n/times.py)
        "when": lambda ts, style="short": format_time(ts, lang, zone, style),
        "csrf_token": csrf_token(request),
        "who": who,
        "nav": nav,
        "path": request.url.path,
        "flash": request.query_params.get("ok"),
        **(context or {}),
    }
    response = request.app.state.templates.TemplateResponse(request, template, data, status_code=status)
    if request.query_params.get("lang") == lang:
        _remember_language(request, who, lang)
        response.set_cookie(LANG_COOKIE, lang, samesite="lax", max_age=365 * 86400)
    return response


def _remember_language(request: Request, who: Principal | None, lang: str) -> None:
    # a language chosen with ?lang= (the language link) is the user's from now on: stored on the
    # account, since the account's language wins over the cookie on the next page and at login
    accounts = system_of(request).accounts
    if who is None or who.user_id is None or who.language == lang or accounts is None:
        return
    accounts.update_user(who.user_id, language=lang, actor=who.actor)
