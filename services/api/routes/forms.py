"""The forms that record a case, for phones, without JavaScript.

``GET/POST /cases/new`` identifies a person and opens a case;
``GET/POST /cases/{case_id}/steps/{path}`` records one step, where ``path``
is the command's (``domain.commands``); a query string fills fields in
beforehand (``?referral_id=R-1``). Each form is built from the command table
(``services.api.form_model``), offered only when the viewer's role may record
the step and the case allows it now (``services.api.step_offers``).

Sending a form is safe to repeat and never overwrites: it carries the
session's token (``services.api.csrf``), the case version it was opened at
and a key of its own. The key runs the step once (the API's idempotency
store), so a double tap lands on the same confirmation; a form opened before
someone else recorded a step is shown again, as it was filled in, with what
changed since, to be sent again against the new version. A refused value is
shown beside its field, in the worker's language. A recorded step leads to
the timeline (Post/Redirect/Get) with a confirmation:
``/cases/{case_id}?done=<path>#v<version>``.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from domain.commands import COMMANDS, Identify
from domain.errors import DomainError
from services.api.auth import Context, CorrelationId, Viewer
from services.api.context import ApiContext
from services.api.csrf import check_form
from services.api.form_model import FieldSpec, Submitted, raw_value, read_form, specs_of
from services.api.form_model import FormData as FormLike
from services.api.idempotency import Answer, correlation_id_for, request_fingerprint
from services.api.policy import Principal, may_record
from services.api.routes.cases import open_case
from services.api.routes.commands import CASE_ID_NAMESPACE, recorded_with
from services.api.step_offers import (
    BY_PATH,
    CaseNow,
    case_now,
    meets_of,
    opening_regions,
)
from services.api.step_page import StepPage, render_step
from services.api.step_views import OPENED
from services.app.errors import InvalidInput, VersionConflict

router = APIRouter(include_in_schema=False)

NEW = "/cases/new"
# Steps with a form of their own (``routes.corrections``).
OWN_FORMS = frozenset({"correct_entry"})


def command_at(path: str) -> str:
    """The command whose form is at ``path``; 404 for none."""
    name = BY_PATH.get(path)
    if name is None or name in OWN_FORMS:
        raise HTTPException(404, "no such step")
    return name


def allowed_values(offer: Mapping[str, Any] | None) -> dict[str, list[str]]:
    """Field -> the values the case allows now, from its offer."""
    choices = offer["choices"] if offer else {}
    return {f: [str(o["value"]) for o in options] for f, options in choices.items()}


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


def _redirect(result: Mapping[str, Any], done: str) -> RedirectResponse:
    return RedirectResponse(
        f"/cases/{result['case_id']}?done={done}#v{result['version']}", status_code=303
    )


def _key(form: FormData) -> str:
    key = str(form.get("key") or "").strip()
    return key[:200] if key else uuid.uuid4().hex


# -- identification ---------------------------------------------------------------


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
    key = _key(form)
    correlation = correlation_id_for(viewer.user_id, key)
    occurred_at = submitted.occurred_at or ctx.clock.now()

    def action() -> Answer:
        # The same key opens the same case, once (as the API does).
        case_id = uuid.uuid5(CASE_ID_NAMESPACE, correlation)
        try:
            result = ctx.service.open_case(
                command,
                actor_id=viewer.user_id,
                actor_role=viewer.role,
                occurred_at=occurred_at,
                case_id=case_id,
                correlation_id=correlation,
            )
        except VersionConflict:
            earlier = recorded_with(ctx, case_id, correlation)
            if earlier is None:
                raise
            result = earlier
        return Answer(201, result)

    fingerprint = request_fingerprint("POST", NEW, submitted.raw)
    try:
        answer = ctx.idempotency.run(viewer.user_id, key, fingerprint, action)
    except DomainError as error:
        return _identify_page(
            request,
            ctx,
            viewer,
            values=submitted.raw,
            errors={error.field or "": error},
            status_code=422,
        )
    return _redirect(answer.body, OPENED)


# -- a step on a case ---------------------------------------------------------------


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


def step_page(
    request: Request,
    ctx: ApiContext,
    viewer: Principal,
    name: str,
    now: CaseNow,
    *,
    status_code: int = 200,
    **page: Any,
) -> HTMLResponse:
    """The form of step ``name`` on the case as ``now`` has it."""
    command = COMMANDS[name]
    offer = now.offers["offered"].get(name)
    meets = (
        meets_of(command, ctx.rulebook, now.obligations, now.facts, offer["choices"])
        if offer is not None
        else []
    )
    return render_step(
        request,
        viewer,
        StepPage(
            command,
            f"/cases/{now.case['case_id']}/steps/{command.declaration.path}",
            case=now.case,
            version=int(now.offers["version"]),
            offered=offer,
            meets=meets,
            gone=offer is None,
            **page,
        ),
        now=ctx.clock.now(),
        status_code=status_code,
    )


class NotOffered(Exception):
    """The step makes no sense on the case now (answered as a page, 409)."""


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


@dataclass
class Outcome:
    """Why a sent form was not recorded, to show it again."""

    status_code: int
    now: CaseNow
    shape: Shape
    submitted: Submitted
    changes: list[Any] = field(default_factory=list)


@dataclass
class Shape:
    """A step's form on the case as it is now: its fields, the values the case
    allows for those it chooses, and more for the page."""

    specs: Sequence[FieldSpec]
    allowed: Mapping[str, list[str]]
    extra: dict[str, Any] = field(default_factory=dict)


def shape_of(name: str) -> Callable[[CaseNow], Shape]:
    """The form of command ``name`` as the command table declares it."""

    def shape(now: CaseNow) -> Shape:
        offer = now.offers["offered"].get(name)
        return Shape(specs_of(COMMANDS[name]), allowed_values(offer))

    return shape


def record(
    request: Request,
    ctx: ApiContext,
    viewer: Principal,
    correlation_id: str,
    case_id: UUID,
    name: str,
    form: FormData,
    *,
    shape: Callable[[CaseNow], Shape] | None = None,
) -> Response:
    """Record step ``name`` from ``form``, once per the form's key; or show
    the form again with why it was not (``shape``: the form, for a step with a
    form of its own)."""
    check_form(request, str(form.get("csrf") or ""))
    case = ctx.service.case(str(case_id))
    ctx.check(
        viewer,
        f"command:{name}",
        may_record(viewer, name, str(case["region"])),
        correlation_id=correlation_id,
        case_id=case_id,
    )
    try:
        version = int(str(form.get("version") or ""))
    except ValueError:
        raise InvalidInput("the form has no case version") from None
    command = COMMANDS[name]
    key = _key(form)
    correlation = correlation_id_for(viewer.user_id, key)
    shape_now = shape or shape_of(name)
    outcome: Outcome | None = None

    def action() -> Answer:
        nonlocal outcome
        now = case_now(ctx, viewer, case_id, ctx.service.case(str(case_id)))
        form_now = shape_now(now)
        submitted = read_form(
            form_now.specs, form, form_now.allowed, now=ctx.clock.now()
        )
        offer = now.offers["offered"].get(name)
        if int(now.offers["version"]) != version:
            changes = [
                e for e in ctx.service.events(str(case_id)) if e.version > version
            ]
            outcome = Outcome(409, now, form_now, submitted, changes)
            return Answer(409, {})
        if offer is None:
            raise NotOffered
        if submitted.errors:
            outcome = Outcome(422, now, form_now, submitted)
            return Answer(422, {})
        try:
            result = ctx.service.run(
                command(**{**submitted.values, **offer["made"]}),
                str(case_id),
                expected_version=version,
                actor_id=viewer.user_id,
                actor_role=viewer.role,
                occurred_at=submitted.occurred_at or ctx.clock.now(),
                correlation_id=correlation,
            )
        except VersionConflict:
            earlier = recorded_with(ctx, case_id, correlation)
            if earlier is None:
                return action()  # someone saved first: show what changed
            result = earlier
        except DomainError as error:
            submitted.errors[error.field or ""] = error
            outcome = Outcome(422 if error.field else 409, now, form_now, submitted)
            return Answer(outcome.status_code, {})
        return Answer(200, result)

    fingerprint = request_fingerprint(
        "POST", request.url.path, {"version": version, **_fingerprinted(form)}
    )
    answer = ctx.idempotency.run(viewer.user_id, key, fingerprint, action)
    if outcome is None:
        return _redirect(answer.body, command.declaration.path or "")
    return step_page(
        request,
        ctx,
        viewer,
        name,
        outcome.now,
        status_code=outcome.status_code,
        specs=outcome.shape.specs,
        values=outcome.submitted.raw,
        errors=outcome.submitted.errors,
        changes=outcome.changes,
        extra=outcome.shape.extra,
    )


def _fingerprinted(form: FormData) -> dict[str, Any]:
    """What a sent form says, without its token and key: the same form sent
    twice has the same fingerprint."""
    return {
        name: form.getlist(name) for name in sorted(set(form.keys()) - {"csrf", "key"})
    }
