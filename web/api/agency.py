"""Agency API: an agency system pushes a finished document and reads its state back.

``POST /api/v1/agency/documents`` is idempotent per agency key: a retry with the same
``Idempotency-Key`` header or the same ``reference`` returns the same document (200) instead of
making a second one (201). The pickup code is in the answer that issued it, and never again.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, File, Form, Header, Request, UploadFile
from fastapi.responses import JSONResponse

from controller.office.agency import Push, PushResult
from controller.office.db.tables import DOOR_SIZES
from web.api.strict import one_of, refuse_unknown_form_fields
from web.auth import Principal, require
from web.deps import AgencyDep, ConfigDep
from web.uploads import read_upload

router = APIRouter(prefix="/api/v1/agency/documents", tags=["agency"])


@router.post(
    "",
    status_code=201,
    summary="Push a finished document (201 created; 200 the same document again on a retry)",
)
async def push_document(
    request: Request,
    agency: AgencyDep,
    config: ConfigDep,
    title: str = Form(..., min_length=1, max_length=200, description="document title or locker item"),
    reference: str = Form(..., min_length=1, max_length=200, description="the agency's own reference"),
    kind: str | None = Form(None, max_length=200, description="document kind name or id, or print/locker"),
    door_size: str | None = Form(None, pattern=one_of(DOOR_SIZES), description="locker item: door size"),
    citizen_name: str | None = Form(None, max_length=200),
    citizen_phone: str | None = Form(None, max_length=40),
    citizen_email: str | None = Form(None, max_length=200),
    ready: bool = Form(True, description="print: issue the code and notify the citizen at once"),
    file: UploadFile | None = File(None, description="the PDF to print"),
    idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=200),
    who: Principal = Depends(require("agency")),
):
    await refuse_unknown_form_fields(request)
    pdf = await read_upload(file, request)
    push = Push(
        title=title,
        reference=reference,
        kind=kind,
        pdf=pdf,
        door_size=door_size,
        citizen_name=citizen_name,
        citizen_phone=citizen_phone,
        citizen_email=citizen_email,
        ready=ready,
        idempotency_key=idempotency_key or None,
    )
    result = agency.push(who.key_id, push, actor=who.actor)
    return JSONResponse(_push_body(config.public_url, result), status_code=201 if result.created else 200)


@router.get("/{ref}", summary="The state of one of this agency's documents, by its reference")
def get_document(agency: AgencyDep, ref: str, who: Principal = Depends(require("agency"))):
    return _public(agency.get(who.key_id, ref))


def _public(doc: dict) -> dict:
    """What an agency sees of its document: states and times, no contact data, no history."""
    pickup = doc.get("pickup")
    return {
        "document_id": doc["id"],
        "reference": doc["agency_ref"],
        "title": doc["title"],
        "kind": doc["kind"],
        "kind_id": doc.get("kind_id"),
        "state": doc["state"],
        "pages": doc["pages"],
        "created_at": doc["created_at"],
        "updated_at": doc["updated_at"],
        "pickup": None
        if pickup is None
        else {key: pickup.get(key) for key in ("state", "expires_at", "lane_id", "finished_at", "outcome")},
    }


def _push_body(public_url: str, result: PushResult) -> dict:
    body = _public(result.document)
    body["created"] = result.created
    # a code exists but this answer does not carry it: an earlier answer did
    body["code_delivered_before"] = result.issued is None and result.document.get("pickup") is not None
    if result.issued is not None:
        code = result.issued.code
        body.update(
            code=code,
            short_code=result.issued.short_code,
            expires_at=result.issued.expires_at,
            qr_png_url=f"{public_url}/api/v1/qr/{code}.png",
            citizen_url=f"{public_url}/p/{code}",
        )
    return body
