"""Case notes and documents: the pages to add them (``/cases/{case_id}/notes/new``,
``/cases/{case_id}/documents/new``), a document's download, and the same over
the API. The content goes sealed to the personal-data store; the case
records only that it was added (``services.api.attachment_access``).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, cast
from uuid import UUID

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile as StarletteUpload

from domain.errors import DomainError
from services.api.attachment_access import (
    NOTE_LENGTH,
    DocumentRefused,
    add,
    attachments_of,
    check_document,
    check_note,
    may_work_on,
)
from services.api.auth import Caller, Context, CorrelationId, IdempotencyKey, Viewer
from services.api.context import ApiContext
from services.api.csrf import check_form
from services.api.error_texts import word_error
from services.api.form_submit import form_key
from services.api.labels import N_
from services.api.models import Body
from services.api.policy import Principal
from services.api.routes.commands import ERRORS
from services.api.routes.pages import render
from services.api.wording import Wording
from services.app.errors import CaseNotFound
from services.store.case_attachments import EXTENSIONS, NOTE_TYPE

pages = APIRouter(include_in_schema=False)
api = APIRouter(tags=["notes and documents"], responses=ERRORS)

DOCUMENT_REFUSED = N_("A document is a PDF, JPEG or PNG file of at most %(size)s MB.")


def _max_bytes(request: Request) -> int:
    return cast(int, request.app.state.document_max_bytes)


def _page(
    request: Request,
    ctx: ApiContext,
    viewer: Principal,
    case_id: UUID,
    kind: str,
    correlation_id: str,
    *,
    status_code: int = 200,
    value: str = "",
    error: str = "",
) -> HTMLResponse:
    case = ctx.service.case(str(case_id))
    ctx.check(
        viewer,
        f"page:{kind}_add",
        may_work_on(viewer, case),
        correlation_id=correlation_id,
        case_id=case_id,
    )
    return render(
        request,
        viewer.language,
        "attachment_form.html",
        status_code,
        viewer=viewer,
        case=case,
        kind=kind,
        key=uuid.uuid4().hex,
        value=value,
        error=error,
        note_length=NOTE_LENGTH,
        max_mb=_max_bytes(request) // (1024 * 1024),
    )


@pages.get("/cases/{case_id}/notes/new", response_class=HTMLResponse)
def note_form(
    case_id: UUID,
    request: Request,
    ctx: Context,
    viewer: Viewer,
    correlation_id: CorrelationId,
) -> HTMLResponse:
    """Add a note to the case: kept encrypted, erased with the person."""
    return _page(request, ctx, viewer, case_id, "note", correlation_id)


@pages.get("/cases/{case_id}/documents/new", response_class=HTMLResponse)
def document_form(
    case_id: UUID,
    request: Request,
    ctx: Context,
    viewer: Viewer,
    correlation_id: CorrelationId,
) -> HTMLResponse:
    """Add a document (PDF, JPEG or PNG) to the case."""
    return _page(request, ctx, viewer, case_id, "document", correlation_id)


@pages.post("/cases/{case_id}/notes")
async def add_note_page(
    case_id: UUID,
    request: Request,
    ctx: Context,
    viewer: Viewer,
    correlation_id: CorrelationId,
) -> Response:
    """Keep the note, then back to the timeline at its entry."""
    form = await request.form()
    check_form(request, str(form.get("csrf") or ""))
    text = str(form.get("note") or "")
    try:
        note = check_note(text)
    except DomainError as error:
        w = Wording.of(viewer.language, ctx.rulebook)
        return await run_in_threadpool(
            _page,
            request,
            ctx,
            viewer,
            case_id,
            "note",
            correlation_id,
            status_code=422,
            value=text,
            error=word_error(w, error),
        )
    result = await run_in_threadpool(
        add,
        ctx,
        viewer,
        case_id,
        "note",
        NOTE_TYPE,
        note.encode(),
        key=form_key(form),
        correlation_id=correlation_id,
    )
    return RedirectResponse(f"/cases/{case_id}#v{result['version']}", status_code=303)


@pages.post("/cases/{case_id}/documents")
async def add_document_page(
    case_id: UUID,
    request: Request,
    ctx: Context,
    viewer: Viewer,
    correlation_id: CorrelationId,
) -> Response:
    """Keep the document, then back to the timeline at its entry."""
    max_bytes = _max_bytes(request)
    form = await request.form(max_part_size=max_bytes + 1)
    check_form(request, str(form.get("csrf") or ""))
    sent = form.get("document")
    content = (
        await sent.read(max_bytes + 1) if isinstance(sent, StarletteUpload) else b""
    )
    try:
        media_type = check_document(content, max_bytes)
    except DocumentRefused:
        w = Wording.of(viewer.language, ctx.rulebook)
        return await run_in_threadpool(
            _page,
            request,
            ctx,
            viewer,
            case_id,
            "document",
            correlation_id,
            status_code=422,
            error=w._(DOCUMENT_REFUSED, size=max_bytes // (1024 * 1024)),
        )
    result = await run_in_threadpool(
        add,
        ctx,
        viewer,
        case_id,
        "document",
        media_type,
        content,
        key=form_key(form),
        correlation_id=correlation_id,
    )
    return RedirectResponse(f"/cases/{case_id}#v{result['version']}", status_code=303)


def _download(
    ctx: ApiContext,
    viewer: Principal,
    case_id: UUID,
    attachment_id: UUID,
    view: str,
    correlation_id: str,
) -> Response:
    store = attachments_of(ctx)
    case = ctx.service.case(str(case_id))
    ctx.check(
        viewer,
        view,
        may_work_on(viewer, case),
        correlation_id=correlation_id,
        case_id=case_id,
    )
    found = store.of_case(str(case_id), str(case["subject_ref"])).get(
        str(attachment_id)
    )
    if found is None:
        raise CaseNotFound("no such note or document on this case")
    ctx.access_log.record(
        actor_id=viewer.user_id,
        actor_role=viewer.role,
        view=view,
        case_id=str(case_id),
        subject_ref=str(case["subject_ref"]),
        correlation_id=correlation_id,
    )
    if found.content is None:
        return Response(status_code=410)
    extension = EXTENSIONS.get(found.media_type, "txt")
    name = f"{found.kind}-{str(attachment_id)[:8]}.{extension}"
    return Response(
        found.content,
        media_type=found.media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@pages.get("/cases/{case_id}/attachments/{attachment_id}")
def download_page(
    case_id: UUID,
    attachment_id: UUID,
    ctx: Context,
    viewer: Viewer,
    correlation_id: CorrelationId,
) -> Response:
    """A document of the case, to those who work it (access-logged)."""
    return _download(
        ctx, viewer, case_id, attachment_id, "page:document", correlation_id
    )


class NoteBody(Body):
    """A note on the case: free text, kept encrypted, erased with the person."""

    text: Annotated[str, Field(min_length=1, max_length=NOTE_LENGTH)]


class AttachmentAdded(BaseModel):
    case_id: UUID
    version: int
    attachment_id: UUID


@api.post("/api/cases/{case_id}/notes", status_code=201, response_model=AttachmentAdded)
def add_note(
    case_id: UUID,
    body: NoteBody,
    ctx: Context,
    principal: Caller,
    correlation_id: CorrelationId,
    key: IdempotencyKey = None,
) -> dict[str, Any]:
    """Add a note to the case. The case records only that a note was added,
    with its id; the text is sealed with the person's key."""
    return add(
        ctx,
        principal,
        case_id,
        "note",
        NOTE_TYPE,
        check_note(body.text).encode(),
        key=key or uuid.uuid4().hex,
        correlation_id=correlation_id,
    )


@api.post(
    "/api/cases/{case_id}/documents", status_code=201, response_model=AttachmentAdded
)
async def add_document(
    case_id: UUID,
    request: Request,
    document: Annotated[UploadFile, File(description="A PDF, JPEG or PNG file.")],
    ctx: Context,
    principal: Caller,
    correlation_id: CorrelationId,
    key: IdempotencyKey = None,
) -> dict[str, Any]:
    """Add a document (a PDF, JPEG or PNG, known by its first bytes, at most
    ``VATRA_API_DOCUMENT_MAX_BYTES``). Its file name is not kept."""
    max_bytes = _max_bytes(request)
    content = await document.read(max_bytes + 1)
    media_type = check_document(content, max_bytes)
    result: dict[str, Any] = await run_in_threadpool(
        add,
        ctx,
        principal,
        case_id,
        "document",
        media_type,
        content,
        key=key or uuid.uuid4().hex,
        correlation_id=correlation_id,
    )
    return result


@api.get(
    "/api/cases/{case_id}/attachments/{attachment_id}",
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def get_attachment(
    case_id: UUID,
    attachment_id: UUID,
    ctx: Context,
    principal: Caller,
    correlation_id: CorrelationId,
) -> Response:
    """A note's text or a document's bytes, to those who work the case
    (access-logged); 410 once the person was erased."""
    return _download(
        ctx, principal, case_id, attachment_id, "attachment", correlation_id
    )
