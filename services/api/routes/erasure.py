"""Erasing a person from the pages (``/cases/{case_id}/erase``) and the API,
four eyes: one eraser asks with a reason, a different one confirms
(``services.api.erasure_flow``).
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from services.api.auth import Caller, Context, CorrelationId, Viewer
from services.api.csrf import check_form
from services.api.erasure_flow import (
    ERASURE_REASONS,
    ERASURE_REFUSALS,
    ask,
    confirm,
    pending,
    withdraw,
)
from services.api.models import Body
from services.api.routes.commands import ERRORS
from services.api.routes.pages import render
from services.api.wording import Wording
from services.store.erasure_requests import ErasureRefused

pages = APIRouter(include_in_schema=False)
api = APIRouter(tags=["erasure"], responses=ERRORS)

Csrf = Annotated[str, Form(max_length=200)]


@pages.get("/cases/{case_id}/erase", response_class=HTMLResponse)
def erase_page(
    case_id: UUID,
    request: Request,
    ctx: Context,
    viewer: Viewer,
    correlation_id: CorrelationId,
    refused: str = "",
) -> HTMLResponse:
    """Ask for the erasure of the person's data, or confirm or withdraw
    someone else's request."""
    case, waiting = pending(ctx, viewer, case_id, correlation_id)
    w = Wording.of(viewer.language, ctx.rulebook)
    return render(
        request,
        viewer.language,
        "erase.html",
        viewer=viewer,
        case=case,
        waiting=waiting,
        reason_label=w._(ERASURE_REASONS[waiting.reason]) if waiting else "",
        reasons=[{"value": c, "label": w._(t)} for c, t in ERASURE_REASONS.items()],
        own=waiting is not None and waiting.requested_by == viewer.user_id,
        refused=w._(ERASURE_REFUSALS[refused]) if refused in ERASURE_REFUSALS else "",
    )


def _back(case_id: UUID, refused: str = "") -> RedirectResponse:
    query = f"?refused={refused}" if refused else ""
    return RedirectResponse(f"/cases/{case_id}/erase{query}", status_code=303)


@pages.post("/cases/{case_id}/erase")
def ask_page(
    case_id: UUID,
    request: Request,
    ctx: Context,
    viewer: Viewer,
    correlation_id: CorrelationId,
    csrf: Csrf = "",
    reason: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Ask for the erasure; it waits for a second person."""
    check_form(request, csrf)
    try:
        ask(ctx, viewer, case_id, reason, correlation_id)
    except ErasureRefused as refused:
        return _back(case_id, refused.kind)
    return _back(case_id)


@pages.post("/cases/{case_id}/erase/{request_id}/confirm")
def confirm_page(
    case_id: UUID,
    request_id: UUID,
    request: Request,
    ctx: Context,
    viewer: Viewer,
    correlation_id: CorrelationId,
    csrf: Csrf = "",
) -> Response:
    """Confirm someone else's request: the person's data is erased."""
    check_form(request, csrf)
    try:
        result = confirm(ctx, viewer, case_id, str(request_id), correlation_id)
    except ErasureRefused as refused:
        return _back(case_id, refused.kind)
    return RedirectResponse(f"/cases/{case_id}#v{result['version']}", status_code=303)


@pages.post("/cases/{case_id}/erase/{request_id}/withdraw")
def withdraw_page(
    case_id: UUID,
    request_id: UUID,
    request: Request,
    ctx: Context,
    viewer: Viewer,
    correlation_id: CorrelationId,
    csrf: Csrf = "",
) -> Response:
    """Withdraw a request: nothing is erased."""
    check_form(request, csrf)
    try:
        withdraw(ctx, viewer, case_id, str(request_id), correlation_id)
    except ErasureRefused as refused:
        return _back(case_id, refused.kind)
    return _back(case_id)


class ErasureAsked(Body):
    """Ask for the erasure of the person's personal data; a second person
    with a role that erases confirms it."""

    reason: str = Field(
        pattern="^(" + "|".join(ERASURE_REASONS) + ")$",
        max_length=max(map(len, ERASURE_REASONS)),
        description="Why: " + ", ".join(ERASURE_REASONS),
    )


class ErasureRequestAnswer(BaseModel):
    request_id: UUID
    case_id: UUID
    reason: str
    requested_by: str


class Erased(BaseModel):
    case_id: UUID
    version: int


@api.post(
    "/api/cases/{case_id}/erasure-requests",
    status_code=201,
    response_model=ErasureRequestAnswer,
)
def ask_erasure(
    case_id: UUID,
    body: ErasureAsked,
    ctx: Context,
    principal: Caller,
    correlation_id: CorrelationId,
) -> dict[str, Any]:
    """Ask for the erasure (coordinator or Responsible Authority); it waits
    for a different one of them to confirm."""
    request_id = ask(ctx, principal, case_id, body.reason, correlation_id)
    return {
        "request_id": request_id,
        "case_id": case_id,
        "reason": body.reason,
        "requested_by": principal.user_id,
    }


@api.post(
    "/api/cases/{case_id}/erasure-requests/{request_id}/confirm",
    response_model=Erased,
)
def confirm_erasure(
    case_id: UUID,
    request_id: UUID,
    ctx: Context,
    principal: Caller,
    correlation_id: CorrelationId,
) -> dict[str, Any]:
    """Confirm a request someone else made: ``PersonalDataErased`` is recorded
    and the person's data key destroyed. The one who asked cannot confirm."""
    return confirm(ctx, principal, case_id, str(request_id), correlation_id)


@api.post(
    "/api/cases/{case_id}/erasure-requests/{request_id}/withdraw", status_code=204
)
def withdraw_erasure(
    case_id: UUID,
    request_id: UUID,
    ctx: Context,
    principal: Caller,
    correlation_id: CorrelationId,
) -> Response:
    """Withdraw a pending request: nothing is erased."""
    withdraw(ctx, principal, case_id, str(request_id), correlation_id)
    return Response(status_code=204)
