"""Login, logout, the user's own account (password, language), and the home redirect."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from controller.kernel.errors import AmbilError
from web.auth import PEOPLE, SESSION_COOKIE, Principal, require_page, session_principal
from web.csrf import verify_csrf
from web.deps import AccountsDep, SystemDep
from web.errors import http_status
from web.i18n import LANG_COOKIE, LANGUAGES, error_text, request_lang, t
from web.pages.render import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])

HOME = {"staff": "/staff/documents", "admin": "/staff/documents", "technician": "/staff/reports"}


def _safe_next(value: str | None) -> str:
    # only local paths: never redirect to another site after login
    if value and value.startswith("/") and not value.startswith("//"):
        return value
    return ""


@router.get("/")
def home(request: Request, system: SystemDep):
    who = session_principal(request)
    if who is None:
        if system.office is None and system.lane is not None:
            return RedirectResponse("/lane", status_code=303)
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse(HOME.get(who.role, "/account"), status_code=303)


def _chosen(lang: str) -> str:
    # a language chosen on the login page itself (its language link): the user's from this login on
    return lang if lang in LANGUAGES else ""


@router.get("/login")
def login_page(request: Request, next: str = "", lang: str = ""):
    return render(request, "login.html", {"next": _safe_next(next), "chosen_lang": _chosen(lang)})


@router.post("/login")
def login(
    request: Request,
    accounts: AccountsDep,
    username: str = Form(""),
    password: str = Form(""),
    next: str = Form(""),
    lang: str = Form(""),
):
    source = request.client.host if request.client else ""
    chosen = _chosen(lang)
    try:
        user, token = accounts.login(username, password, source=source)
    except AmbilError as exc:
        shown = chosen or request_lang(request)
        context = {"next": _safe_next(next), "username": username, "chosen_lang": chosen}
        return render(
            request, "login.html", {"error": error_text(shown, exc), **context}, status=http_status(exc)
        )
    if chosen and chosen != user.language:
        user = accounts.update_user(user.id, language=chosen, actor=f"user:{user.id}")
    target = _safe_next(next) or HOME.get(user.role, "/account")
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
        max_age=int(accounts.session_seconds),
    )
    response.set_cookie(LANG_COOKIE, user.language, samesite="lax", max_age=365 * 86400)
    return response


@router.post("/logout")
def logout(request: Request, accounts: AccountsDep):
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        accounts.logout(token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/account")
def account(request: Request, who: Principal = Depends(require_page(*PEOPLE))):
    return render(request, "account.html", who=who)


@router.post("/account/password")
def change_password(
    request: Request,
    accounts: AccountsDep,
    current: str = Form(...),
    new: str = Form(...),
    repeat: str = Form(...),
    who: Principal = Depends(require_page(*PEOPLE)),
):
    lang = request_lang(request, who.language)
    if new != repeat:
        return render(request, "account.html", {"error": t(lang, "account.mismatch")}, status=422, who=who)
    try:
        accounts.set_password(
            who.user_id,
            new,
            actor=who.actor,
            old_password=current,
            keep_session=request.cookies.get(SESSION_COOKIE),  # every other session ends
        )
    except AmbilError as exc:
        return render(
            request,
            "account.html",
            {"error": error_text(lang, exc)},
            status=http_status(exc),
            who=who,
        )
    return RedirectResponse("/account?ok=account.changed", status_code=303)


@router.post("/account/language")
def change_language(
    request: Request,
    accounts: AccountsDep,
    language: str = Form(...),
    who: Principal = Depends(require_page(*PEOPLE)),
):
    accounts.update_user(who.user_id, language=language, actor=who.actor)
    response = RedirectResponse("/account?ok=account.saved", status_code=303)
    response.set_cookie(LANG_COOKIE, language, samesite="lax", max_age=365 * 86400)
    return response
