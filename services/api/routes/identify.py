"""The identification form: ``GET/POST /cases/new`` opens a case for a
person a mobile unit found, offered in the regions the viewer may open a case
in. Built from the command table like every form (``routes.forms``); a resent
form opens the case once, and the timeline confirms it
(``/cases/{case_id}?done=new#v1``).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from domain.commands import Identify
from domain.errors import DomainError
from services.api.auth import Context, CorrelationId, Viewer
from services.api.context import ApiContext
from services.api.csrf import check_form
from services.api.form_model import FieldSpec, read_form, specs_of
from services.api.form_opening import open_from_form
from services.api.form_submit import redirect_to
from services.api.policy import Principal
from services.api.routes.forms import prefilled
from services.api.step_offers import opening_regions
from services.api.step_page import StepPage, render_step
from services.api.step_views import OPENED

router = APIRouter(include_in_schema=False)

NEW = "/cases/new"


# The field of a command that opens a case naming the region it opens in:
# offered among the regions the viewer may open a case in.
REGION = "region"


def identify_specs() -> list[FieldSpec]:
    return [
        dataclasses.replace(spec, from_case=True) if spec.name == REGION else spec
        for spec in specs_of(Identify)
    ]


def _identify_page(
    request: Request, ctx: ApiContext, viewer: Principal, **page: Any
) -> HTMLResponse:
    regions = opening_regions(viewer)
    offered = {"choices": {REGION: [{"value": r, "about": {}} for r in regions]}}
    status = page.pop("status_code", 200)
    return render_step(
        request,
        viewer,
        StepPage(Identify, NEW, offered=offered, specs=identify_specs(), **page),
        now=ctx.clock.now(),
        status_code=status,
    )


@router.get(NEW, response_class=HTMLResponse)
def identify_form(
    request: Request, ctx: Context, viewer: Viewer, correlation_id: CorrelationId
) -> HTMLResponse:
    """The identification form: open a case for a person a mobile unit found."""
    regions = opening_regions(viewer)
    ctx.check(viewer, "page:identify", bool(regions), correlation_id=correlation_id)
    values = prefilled(identify_specs(), request.query_params, {REGION: regions})
    if len(regions) == 1:
        values.setdefault(REGION, regions[0])
    return _identify_page(request, ctx, viewer, values=values)


@router.post(NEW)
async def identify(
    request: Request, ctx: Context, viewer: Viewer, correlation_id: CorrelationId
) -> Response:
    """Open the case; a resent form opens it once."""
    form = await request.form()
    return await run_in_threadpool(
        _identify, request, ctx, viewer, correlation_id, form
    )


def _identify(
    request: Request,
    ctx: ApiContext,
    viewer: Principal,
    correlation_id: str,
    form: FormData,
) -> Response:
    check_form(request, str(form.get("csrf") or ""))
    regions = opening_regions(viewer)
    ctx.check(viewer, "command:identify", bool(regions), correlation_id=correlation_id)
    submitted = read_form(
        identify_specs(), form, {REGION: regions}, now=ctx.clock.now()
    )
    if submitted.errors:
        return _identify_page(
            request,
            ctx,
            viewer,
            values=submitted.raw,
            errors=submitted.errors,
            status_code=422,
        )
    command = Identify(**submitted.values)
    try:
        answer = open_from_form(ctx, viewer, form, command, submitted, NEW)
    except DomainError as error:
        return _identify_page(
            request,
            ctx,
            viewer,
            values=submitted.raw,
            errors={error.field or "": error},
            status_code=422,
        )
    return redirect_to(answer.body, OPENED)
