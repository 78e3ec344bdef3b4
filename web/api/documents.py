"""Office API: documents and their pickup codes (``/api/v1/documents``)."""

from __future__ import annotations

import time

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile

from controller.office.db.tables import DOCUMENT_KINDS, DOCUMENT_STATES, DOOR_SIZES
from web.api.strict import one_of, refuse_unknown_form_fields
from web.auth import Principal, require
from web.deps import OfficeDep, SystemDep
from web.issuing import issue_code
from web.uploads import read_upload

router = APIRouter(prefix="/api/v1/documents", tags=["documents"])
STAFF = ("staff", "admin")


@router.post("", status_code=201, summary="Register a document (print: with its PDF; locker: a door)")
async def create_document(
    request: Request,
    office: OfficeDep,
    kind: str = Form(..., pattern=one_of(DOCUMENT_KINDS), description="print or locker"),
    title: str = Form(..., min_length=1, max_length=200),
    reference: str | None = Form(None, max_length=100),
    locker_bank: str | None = Form(None),
    door: int | None = Form(None, ge=1),
    loaded: bool = Form(False, description="locker: the item is already in the door (ready can follow)"),
    kind_id: int | None = Form(None, ge=1, description="the document kind (its PIN rule, its delivery)"),
    citizen_name: str | None = Form(None, max_length=200),
    citizen_phone: str | None = Form(None, max_length=40, description="notified when the code is issued"),
    citizen_email: str | None = Form(None, max_length=200),
    door_size: str | None = Form(None, pattern=one_of(DOOR_SIZES), description="locker: the door size"),
    file: UploadFile | None = File(None, description="the PDF to print (kind=print)"),
    who: Principal = Depends(require(*STAFF)),
):
    await refuse_unknown_form_fields(request)
    pdf = await read_upload(file, request)
    given = {
        "kind_id": kind_id,
        "citizen_name": citizen_name,
        "citizen_phone": citizen_phone,
        "citizen_email": citizen_email,
        "door_size": door_size,
    }
    extra = {name: value for name, value in given.items() if value is not None}
    if loaded and kind == "locker":
        extra["loaded_at"] = time.time()
    return office.create_document(
        kind=kind,
        title=title,
        reference=reference,
        pdf=pdf,
        locker_bank=locker_bank,
        door=door,
        actor=who.actor,
        **extra,
    )


@router.post("/{doc_id}/pdf", summary="Upload or replace the PDF of a draft print document")
async def attach_pdf(
    request: Request,
    office: OfficeDep,
    doc_id: int,
    file: UploadFile = File(...),
    who: Principal = Depends(require(*STAFF)),
):
    pdf = await read_upload(file, request)
    return office.attach_pdf(doc_id, pdf, who.actor)


@router.post("/{doc_id}/ready", summary="Mark ready: issues the pickup code (shown once)")
def mark_ready(
    request: Request,
    system: SystemDep,
    office: OfficeDep,
    doc_id: int,
    who: Principal = Depends(require(*STAFF)),
):
    issued = issue_code(system, doc_id, who.actor)
    return _issued(request, doc_id, issued)


@router.post("/{doc_id}/reissue", summary="Issue a new code; the old one stops working at once")
def reissue(
    request: Request,
    system: SystemDep,
    office: OfficeDep,
    doc_id: int,
    who: Principal = Depends(require(*STAFF)),
):
    issued = issue_code(system, doc_id, who.actor, reissue=True)
    return _issued(request, doc_id, issued)


@router.post("/{doc_id}/cancel", summary="Cancel the document and its pickup code")
def cancel(office: OfficeDep, doc_id: int, who: Principal = Depends(require(*STAFF))):
    office.cancel(doc_id, who.actor)
    return office.get_document(doc_id)


@router.get("", summary="List and search documents, newest first (staff, admin)")
def list_documents(
    office: OfficeDep,
    q: str | None = Query(None, max_length=200, description="title, reference or citizen's phone"),
    state: str | None = Query(None, pattern=f"^({'|'.join(DOCUMENT_STATES)})$"),
    kind: str | None = Query(None, pattern="^(print|locker|[0-9]{1,9})$", description="delivery or kind id"),
    limit: int = Query(25, ge=1, le=200),
    offset: int = Query(0, ge=0),
    who: Principal = Depends(require(*STAFF)),
):
    delivery = kind if kind in ("print", "locker") else None
    kind_id = int(kind) if kind is not None and kind.isdigit() else None
    found = office.search_documents(
        q=q, state=state, delivery=delivery, kind_id=kind_id, limit=limit, offset=offset
    )
    return {"items": found.items, "total": found.total, "limit": found.limit, "offset": found.offset}


@router.get("/{doc_id}", summary="A document's state and its history")
def get_document(office: OfficeDep, doc_id: int, who: Principal = Depends(require(*STAFF))):
    return office.get_document(doc_id)


def _issued(request: Request, doc_id: int, issued) -> dict:
    base = str(request.base_url).rstrip("/")
    return {
        "document_id": doc_id,
        "code": issued.code,
        "short_code": issued.short_code,
        "expires_at": issued.expires_at,
        "qr_png_url": f"{base}/api/v1/qr/{issued.code}.png",
        "pin": issued.pin,  # only for kinds with a second factor: give it to the citizen separately
    }
