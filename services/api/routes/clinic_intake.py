"""The legal clinic's intake form: ``GET/POST /clinic/new`` opens a case at
the clinic (``OpenClinicCase``), offered to its lawyers and psychologists in
their regions. Built from the command table like every form; a resent form
opens the case once, and the timeline confirms it
(``/cases/{case_id}?done=clinic-intake#v2``).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from domain.clinic_commands import OpenClinicCase
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

router = APIRouter(include_in_schema=False)

INTAKE = "/clinic/new"
COMMAND = OpenClinicCase.declaration.name
REGION = "region"


def intake_specs() -> list[FieldSpec]:
    return [
        dataclasses.replace(spec, from_case=True) if spec.name == REGION else spec
        for spec in specs_of(OpenClinicCase)
    ]


def _page(
    request: Request, ctx: ApiContext, viewer: Principal, **page: Any
) -> HTMLResponse:
    regions = opening_regions(viewer, COMMAND)
    offered = {"choices": {REGION: [{"value": r, "about": {}} for r in regions]}}
    status = page.pop("status_code", 200)
    return render_step(
        request,
        viewer,
        StepPage(OpenClinicCase, INTAKE, offered=offered, specs=intake_specs(), **page),
        now=ctx.clock.now(),
        status_code=status,
    )


@router.get(INTAKE, response_class=HTMLResponse)
def intake_form(
    request: Request, ctx: Context, viewer: Viewer, correlation_id: CorrelationId
) -> HTMLResponse:
    """The intake form: open a case at the legal clinic."""
    regions = opening_regions(viewer, COMMAND)
    allowed = bool(regions)
    ctx.check(viewer, "page:clinic_intake", allowed, correlation_id=correlation_id)
    values = prefilled(intake_specs(), request.query_params, {REGION: regions})
    if len(regions) == 1:
        values.setdefault(REGION, regions[0])
    return _page(request, ctx, viewer, values=values)


@router.post(INTAKE)
async def intake(
    request: Request, ctx: Context, viewer: Viewer, correlation_id: CorrelationId
) -> Response:
    """Open the case at the clinic; a resent form opens it once."""
    form = await request.form()
    return await run_in_threadpool(_intake, request, ctx, viewer, correlation_id, form)


def _intake(
    request: Request,
    ctx: ApiContext,
    viewer: Principal,
    correlation_id: str,
    form: FormData,
) -> Response:
    check_form(request, str(form.get("csrf") or ""))
    regions = opening_regions(viewer, COMMAND)
    allowed = bool(regions)
    ctx.check(viewer, f"command:{COMMAND}", allowed, correlation_id=correlation_id)
    submitted = read_form(intake_specs(), form, {REGION: regions}, now=ctx.clock.now())
    if submitted.errors:
        return _page(
            request,
            ctx,
            viewer,
            values=submitted.raw,
            errors=submitted.errors,
            status_code=422,
        )
    command = OpenClinicCase(**submitted.values)
    try:
        answer = open_from_form(ctx, viewer, form, command, submitted, INTAKE)
    except DomainError as error:
        return _page(
            request,
            ctx,
            viewer,
            values=submitted.raw,
            errors={error.field or "": error},
            status_code=422,
        )
    return redirect_to(answer.body, str(OpenClinicCase.declaration.path))
