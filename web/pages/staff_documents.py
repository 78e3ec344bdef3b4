"""Staff pages for documents: list and search, register, detail, and the actions on one document.

Mark ready and reissue answer with the code page itself (no redirect: the code must stay out of
URLs and history). The office never keeps the code, so the slip is made from the code the page
posts back, once the office confirmed it is this document's live code.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from controller.kernel.errors import AmbilError, DocumentError, UploadError
from controller.office import documents, door_release
from controller.office.db.tables import DOCUMENT_KINDS, DOCUMENT_STATES, DOOR_SIZES
from controller.office.preview import PreviewCache, PreviewUnavailable
from controller.office.search import PAGE_SIZE
from web.auth import Principal, require_page
from web.csrf import verify_csrf
from web.deps import system_of, zone_of
from web.errors import http_status
from web.i18n import error_text, request_lang, t
from web.i18n.documents import format_short_code, history_rows
from web.i18n.times import format_time
from web.issuing import issue_code
from web.pages.render import render
from web.pages.slip import render_slip
from web.pages.staff_lockers import load_panel_context
from web.uploads import read_upload

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])
STAFF = require_page("staff", "admin")
NO_STORE = {"Cache-Control": "no-store"}


def _system(request: Request):
    return system_of(request)


def _lang(request: Request, who: Principal) -> str:
    return request_lang(request, who.language)


@router.get("/staff/documents")
def list_page(
    request: Request,
    q: str = "",
    state: str = "",
    delivery: str = "",
    kind: str = "",
    page: int = 1,
    who: Principal = Depends(STAFF),
):
    system = _system(request)
    filters = {
        "q": q.strip()[:200],
        "state": state if state in DOCUMENT_STATES else "",
        "delivery": delivery if delivery in DOCUMENT_KINDS else "",
        "kind": kind if kind.isdigit() and len(kind) < 10 else "",
    }
    page = max(1, min(page, 10_000))
    found = system.office.search_documents(
        q=filters["q"] or None,
        state=filters["state"] or None,
        delivery=filters["delivery"] or None,
        kind_id=int(filters["kind"]) if filters["kind"] else None,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    context = {
        "found": found,
        "filters": filters,
        "page": page,
        "states": DOCUMENT_STATES,
        "deliveries": DOCUMENT_KINDS,
        "kinds": {k.id: k for k in system.kinds.list()},
    }
    return render(request, "documents/list.html", context, who=who)


def _new_form(request: Request, who: Principal, *, values: dict | None = None, error: str = "", status=200):
    kinds = _system(request).kinds.list(active_only=True)
    context = {"kinds": kinds, "sizes": DOOR_SIZES, "values": values or {}, "error": error}
    return render(request, "documents/new.html", context, status=status, who=who)


@router.get("/staff/documents/new")
def new_page(request: Request, who: Principal = Depends(STAFF)):
    return _new_form(request, who)


async def _read_pdf(request: Request, file: UploadFile | None) -> bytes | None:
    """The uploaded bytes, None when no file was chosen; never reads more than the limit + 1."""
    if file is None or not file.filename:  # a form sends an empty part when no file was chosen
        return None
    return await read_upload(file, request)


# form field -> longest value kept (the column sizes; the form's maxlength says the same)
REGISTER_FIELDS = {"kind_id": 12, "title": 300, "reference": 200, "citizen_name": 200,
                   "citizen_phone": 40, "citizen_email": 200, "door_size": 1}  # fmt: skip


@router.post("/staff/documents")
async def register(request: Request, file: UploadFile | None = File(None), who: Principal = Depends(STAFF)):
    form = await request.form()
    values = {name: str(form.get(name) or "")[:size] for name, size in REGISTER_FIELDS.items()}
    try:
        pdf: bytes | UploadError | None = await _read_pdf(request, file)
    except UploadError as exc:
        pdf = exc  # reported after the other checks, with the form re-rendered
    return await run_in_threadpool(_register, request, who, values, pdf)


def _register(request: Request, who: Principal, values: dict, pdf):
    system = _system(request)
    lang = _lang(request, who)
    kind = next((k for k in system.kinds.list(active_only=True) if str(k.id) == values["kind_id"]), None)
    problems = [
        ("need_kind", kind is None),
        ("need_title", not values["title"].strip()),
        (
            "need_size",
            kind is not None and kind.delivery == "locker" and values["door_size"] not in DOOR_SIZES,
        ),
    ]
    problem = next((f"documents.new.{key}" for key, failed in problems if failed), "")
    if problem:
        return _new_form(request, who, values=values, error=t(lang, problem), status=422)
    printed = kind.delivery == "print"
    contact = {k: values[k].strip() or None for k in ("citizen_name", "citizen_phone", "citizen_email")}
    try:
        if printed and isinstance(pdf, UploadError):
            raise pdf
        created = system.office.create_document(
            kind=kind.delivery,
            title=values["title"].strip(),
            reference=values["reference"].strip() or None,
            pdf=pdf if printed else None,
            actor=who.actor,
            kind_id=kind.id,
            door_size=None if printed else values["door_size"],
            **contact,
        )
    except AmbilError as exc:
        error = error_text(lang, exc)
        return _new_form(request, who, values=values, error=error, status=http_status(exc))
    return RedirectResponse(f"/staff/documents/{created['id']}?ok=documents.flash.created", status_code=303)


def _kind_of(system, doc: dict):
    """The document's kind (admin-defined), or None for documents registered without one."""
    return next((k for k in system.kinds.list() if k.id == doc.get("kind_id")), None)


def username_of(system, user_id: int) -> str | None:
    """The user's login name, or None for a user id no longer known."""
    try:
        return system.accounts.get_user(user_id).username
    except AmbilError:
        return None


def _detail(request: Request, who: Principal, doc_id: int, *, error: str = "", status: int = 200):
    system = _system(request)
    lang = _lang(request, who)
    doc = system.office.get_document(doc_id)
    context = {
        "doc": doc,
        "kind": _kind_of(system, doc),
        "history": history_rows(
            doc["history"],
            lang,
            lambda user_id: username_of(system, user_id),
            zone_of(request),
            lane_name=system.lockers.lane_names().get,
        ),
        "needs_loading": documents.needs_loading(doc),
        "to_retrieve": door_release.needs_retrieval(doc),
        "error": error,
        **load_panel_context(system.lockers, doc),  # a locker item is loaded right from this page
    }
    return render(request, "documents/detail.html", context, status=status, who=who)


def _refused(request: Request, who: Principal, doc_id: int, exc: AmbilError):
    """The detail page again, saying why an action was refused (a missing document stays a 404)."""
    if exc.key == "document.not_found":
        raise exc
    error = error_text(_lang(request, who), exc)
    return _detail(request, who, doc_id, error=error, status=http_status(exc))


@router.get("/staff/documents/{doc_id}")
def detail_page(request: Request, doc_id: int, who: Principal = Depends(STAFF)):
    return _detail(request, who, doc_id)


@router.get("/staff/documents/{doc_id}/preview.png")
def preview(request: Request, doc_id: int, who: Principal = Depends(STAFF)):
    # a plain def: FastAPI runs it in the threadpool, so pdftoppm never blocks the event loop
    system = _system(request)
    sha = system.office.get_document(doc_id).get("pdf_sha256")
    cache = PreviewCache(system.config.state_dir / "previews", system.office.blobs)
    try:
        png = cache.png(sha)
    except PreviewUnavailable:
        return Response(status_code=404, headers=NO_STORE)
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=3600"})


@router.post("/staff/documents/{doc_id}/pdf")
async def upload_pdf(
    request: Request, doc_id: int, file: UploadFile | None = File(None), who: Principal = Depends(STAFF)
):
    office = _system(request).office
    try:
        pdf = await _read_pdf(request, file)
        if pdf is None:
            raise UploadError("no file chosen", key="upload.empty")
        await run_in_threadpool(office.attach_pdf, doc_id, pdf, who.actor)
    except (UploadError, DocumentError) as exc:
        return await run_in_threadpool(_refused, request, who, doc_id, exc)
    return RedirectResponse(f"/staff/documents/{doc_id}?ok=documents.flash.pdf", status_code=303)


def _issue(request: Request, who: Principal, doc_id: int, action: str):
    system = _system(request)
    try:
        doc = system.office.get_document(doc_id)
        issued = issue_code(system, doc_id, who.actor, reissue=action != "ready")
    except DocumentError as exc:
        return _refused(request, who, doc_id, exc)
    lang = _lang(request, who)
    context = {
        "doc": doc,
        "code": issued.code,
        "short_code": format_short_code(issued.short_code),
        "expires": format_time(issued.expires_at, lang, zone_of(request)),
        "citizen_link": f"{system.config.public_url}/p/{issued.code}",
        "pin": issued.pin,
    }
    response = render(request, "documents/issued.html", context, who=who)
    response.headers.update({**NO_STORE, "Referrer-Policy": "no-referrer"})
    return response


@router.post("/staff/documents/{doc_id}/ready")
def mark_ready(request: Request, doc_id: int, who: Principal = Depends(STAFF)):
    return _issue(request, who, doc_id, "ready")


@router.post("/staff/documents/{doc_id}/reissue")
def reissue(request: Request, doc_id: int, who: Principal = Depends(STAFF)):
    return _issue(request, who, doc_id, "reissue")


@router.post("/staff/documents/{doc_id}/cancel")
def cancel(request: Request, doc_id: int, confirm: str = Form(""), who: Principal = Depends(STAFF)):
    lang = _lang(request, who)
    if confirm != "yes":
        return _detail(request, who, doc_id, error=t(lang, "documents.detail.cancel_unconfirmed"), status=422)
    try:
        _system(request).office.cancel(doc_id, who.actor)
    except DocumentError as exc:
        return _refused(request, who, doc_id, exc)
    return RedirectResponse(f"/staff/documents/{doc_id}?ok=documents.flash.cancelled", status_code=303)


@router.post("/staff/documents/{doc_id}/resolve")
def resolve(request: Request, doc_id: int, outcome: str = Form(""), who: Principal = Depends(STAFF)):
    if outcome not in ("released", "not_released"):
        raise AmbilError("outcome must be released or not_released", key="request.invalid")
    try:
        _system(request).office.resolve_uncertain(doc_id, who.actor, released=outcome == "released")
    except DocumentError as exc:
        return _refused(request, who, doc_id, exc)
    return RedirectResponse(f"/staff/documents/{doc_id}?ok=documents.flash.resolved", status_code=303)


@router.post("/staff/documents/{doc_id}/slip.pdf")
def slip(request: Request, doc_id: int, code: str = Form(""), who: Principal = Depends(STAFF)):
    status = _system(request).office.slip_status(doc_id, code)
    pdf = render_slip(
        code=code.strip(),
        short_code=status.short_code,
        expires_at=status.expires_at,
        title=status.title,
        reference=status.reference,
        lane_hint=status.lane_hint,
        zone=zone_of(request),
    )
    headers = {**NO_STORE, "Content-Disposition": f'inline; filename="slip-{doc_id}.pdf"'}
    return Response(pdf, media_type="application/pdf", headers=headers)
