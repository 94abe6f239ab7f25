"""The forms that record a case, for phones, without JavaScript.

``GET/POST /cases/{case_id}/steps/{path}`` records one step, where ``path``
is the command's (``domain.commands``); a query string fills fields in
beforehand (``?referral_id=R-1``). Each form is built from the command table
(``services.api.form_model``), offered only when the viewer's role may record
the step and the case allows it now (``services.api.step_offers``). Sending
it is safe to repeat and never overwrites (``services.api.form_submit``).
The identification, which opens a case, is in ``routes.identify``; the
correction of an entry, which takes three taps, in ``routes.corrections``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from domain.commands import COMMANDS
from services.api.auth import Context, CorrelationId, Viewer
from services.api.form_model import FieldSpec, raw_value, specs_of
from services.api.form_model import FormData as FormLike
from services.api.form_submit import allowed_values, record
from services.api.policy import may_record
from services.api.routes.cases import open_case
from services.api.step_offers import BY_PATH, NotOffered, case_now
from services.api.step_page import step_page

router = APIRouter(include_in_schema=False)

# Steps with a form of their own (``routes.corrections``).
OWN_FORMS = frozenset({"correct_entry"})


def command_at(path: str) -> str:
    """The command whose form is at ``path``; 404 for none."""
    name = BY_PATH.get(path)
    if name is None or name in OWN_FORMS:
        raise HTTPException(404, "no such step")
    return name


def prefilled(
    specs: Sequence[FieldSpec], query: FormLike, allowed: Mapping[str, list[str]]
) -> dict[str, Any]:
    """The values a query string fills in: only fields of the form, and for a
    field the case chooses for, only a value it allows."""
    values = {}
    for spec in specs:
        if spec.name not in query or spec.widget == "datetime":
            continue
        value = raw_value(spec, query)
        if spec.name in allowed and value not in allowed[spec.name]:
            continue
        values[spec.name] = value
    return values


@router.get("/cases/{case_id}/steps/{path}", response_class=HTMLResponse)
def step_form(
    case_id: UUID,
    path: str,
    request: Request,
    ctx: Context,
    viewer: Viewer,
    correlation_id: CorrelationId,
) -> HTMLResponse:
    """A step's form, when the viewer may record it and the case allows it."""
    name = command_at(path)
    case = open_case(ctx, viewer, case_id, f"page:step:{path}", correlation_id)
    ctx.check(
        viewer,
        f"command:{name}",
        may_record(viewer, name, str(case["region"])),
        correlation_id=correlation_id,
        case_id=case_id,
    )
    now = case_now(ctx, viewer, case_id, case)
    offer = now.offers["offered"].get(name)
    if offer is None:
        raise NotOffered
    values = prefilled(
        specs_of(COMMANDS[name]), request.query_params, allowed_values(offer)
    )
    return step_page(request, ctx, viewer, name, now, values=values)


@router.post("/cases/{case_id}/steps/{path}")
async def record_step(
    case_id: UUID,
    path: str,
    request: Request,
    ctx: Context,
    viewer: Viewer,
    correlation_id: CorrelationId,
) -> Response:
    """Record the step; a resent form records it once."""
    form = await request.form()
    return await run_in_threadpool(
        record, request, ctx, viewer, correlation_id, case_id, command_at(path), form
    )
