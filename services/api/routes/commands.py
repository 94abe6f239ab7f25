"""Commands over HTTP: one POST route per command, each with its own body model.

Every route runs the same steps: the body is validated (422 naming the
field); the caller's rights are checked against the case's current region, or
for the identification, which opens a case, against the region it opens in
(403, recorded in the access log); then the command runs once per
``Idempotency-Key`` and the application service records one event or nothing.
The routes and their bodies are built from the command table
(``domain.commands``).
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Body, Path, Request
from fastapi.responses import JSONResponse

from domain.commands import COMMANDS, OPENING_COMMANDS
from domain.offering import AGENCY_STAFF, REFERRAL_ANSWERS
from services.api import models as m
from services.api.auth import Caller, Context, CorrelationId, IdempotencyKey
from services.api.choices import check_chosen
from services.api.context import ApiContext
from services.api.idempotency import (
    Answer,
    correlation_id_for,
    request_fingerprint,
)
from services.api.policy import Principal, may_record
from services.app.errors import CaseNotFound, VersionConflict

# Case ids made from idempotency keys: a retried identification opens one case.
CASE_ID_NAMESPACE = uuid.UUID("0b7e6f1a-61c4-4d2c-9b1e-4f0c1c0d9a31")

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": m.Problem, "description": "No token, or an unknown one"},
    403: {"model": m.Problem, "description": "Outside your role or regions"},
    404: {"model": m.Problem, "description": "No such case"},
    409: {"model": m.Problem, "description": "Stale version, or a rule of the case"},
    422: {"model": m.Problem, "description": "A field, a code or a time is wrong"},
}
# Opening a case also keeps the person's attributes in the personal-data store.
OPENING_ERRORS: dict[int | str, dict[str, Any]] = {
    409: {
        "model": m.Problem,
        "description": "The case id is taken, or the person's data was erased "
        "(subject_erased): nothing is recorded",
    },
    503: {
        "model": m.Problem,
        "description": "The personal-data store has no key "
        "(personal_data_unavailable): nothing is recorded",
    },
}


@dataclass(frozen=True)
class CommandRoute:
    """``POST /api/cases/{case_id}/<path>`` runs ``command`` with a ``body``."""

    path: str
    command: str
    body: type[m.CommandBody]
    summary: str


@dataclass(frozen=True)
class OpeningRoute:
    """``POST /api/cases[/<path>]`` runs ``command``, which opens a case, with a
    ``body``."""

    path: str
    command: str
    body: type[m.OpeningBody]
    summary: str


# One route per command of the command table that is sent over HTTP: those
# that open a case, and those on an existing case.
OPENING_ROUTES = tuple(
    OpeningRoute(
        command.declaration.path,
        name,
        m.OPENING_BODIES[name],
        command.declaration.summary,
    )
    for name, command in OPENING_COMMANDS.items()
    if command.declaration.path is not None
)
COMMAND_ROUTES = tuple(
    CommandRoute(
        command.declaration.path,
        name,
        m.COMMAND_BODIES[name],
        command.declaration.summary,
    )
    for name, command in COMMANDS.items()
    if command.declaration.path is not None
)

router = APIRouter(prefix="/api/cases", tags=["caseworkers"], responses=ERRORS)


def open_case(
    ctx: ApiContext,
    request: Request,
    principal: Principal,
    command: str,
    body: m.OpeningBody,
    correlation_id: str,
    key: str | None,
) -> JSONResponse:
    """Check the caller's rights in the region of the new case, then run
    ``command`` (one that opens a case) once per key."""
    fields = body.model_dump(exclude={"case_id", "occurred_at"})
    to_open = OPENING_COMMANDS[command](**fields)
    ctx.check(
        principal,
        f"command:{command}",
        may_record(principal, command, to_open.region),
        correlation_id=correlation_id,
    )
    occurred_at = body.occurred_at or ctx.clock.now()

    def action(correlation: str) -> Answer:
        # A retried request with the same key opens the same case, once.
        case_id = body.case_id or (
            uuid.uuid5(CASE_ID_NAMESPACE, correlation) if key else uuid.uuid4()
        )
        try:
            result = ctx.service.open_case(
                to_open,
                actor_id=principal.user_id,
                actor_role=principal.role,
                occurred_at=occurred_at,
                case_id=case_id,
                correlation_id=correlation,
            )
        except VersionConflict as conflict:
            result = _recorded_before(ctx, case_id, correlation, key, conflict)
        return Answer(201, {**result, "correlation_id": correlation})

    return respond(ctx, request, principal, key, body, correlation_id, action)


def run_command(
    ctx: ApiContext,
    request: Request,
    principal: Principal,
    case_id: UUID,
    command: str,
    body: m.CommandBody,
    correlation_id: str,
    key: str | None,
) -> JSONResponse:
    """Check the caller's rights on the case, then run ``command`` once per key."""
    case = ctx.service.case(str(case_id))
    ctx.check(
        principal,
        f"command:{command}",
        may_record(principal, command, str(case["region"])),
        correlation_id=correlation_id,
        case_id=case_id,
    )
    fields = body.model_dump(exclude={"expected_version", "occurred_at"})
    ctx.check(
        principal,
        f"command:{command}",
        own_referral(principal, command, fields, case),
        correlation_id=correlation_id,
        case_id=case_id,
    )
    check_chosen(ctx, COMMANDS[command], fields, case)
    occurred_at = body.occurred_at or ctx.clock.now()
    to_run = COMMANDS[command](**fields)

    def action(correlation: str) -> Answer:
        try:
            result = ctx.service.run(
                to_run,
                str(case_id),
                expected_version=body.expected_version,
                actor_id=principal.user_id,
                actor_role=principal.role,
                occurred_at=occurred_at,
                correlation_id=correlation,
            )
        except VersionConflict as conflict:
            result = _recorded_before(ctx, case_id, correlation, key, conflict)
        return Answer(200, {**result, "correlation_id": correlation})

    return respond(ctx, request, principal, key, body, correlation_id, action)


def own_referral(
    principal: Principal,
    command: str,
    fields: dict[str, Any],
    case: dict[str, Any],
) -> bool:
    """Whether ``principal`` may answer the referral ``fields`` name: an
    agency's staff answer only the referrals made to their agency, here as on
    the pages (``domain.offering``); an unknown referral is the case's to
    refuse."""
    if principal.role not in AGENCY_STAFF or command not in REFERRAL_ANSWERS:
        return True
    referral = case["referrals"].get(str(fields.get("referral_id", "")))
    agency = principal.unit or principal.agency
    return referral is None or (agency is not None and referral["agency"] == agency)


def respond(
    ctx: ApiContext,
    request: Request,
    principal: Principal,
    key: str | None,
    body: m.Body,
    correlation_id: str,
    action: Callable[[str], Answer],
) -> JSONResponse:
    """Run ``action`` (once per idempotency key) and send its answer."""
    if key is None:
        answer = action(correlation_id)
    else:
        fingerprint = request_fingerprint(
            request.method, request.url.path, body.model_dump(mode="json")
        )
        correlation = correlation_id_for(principal.user_id, key)
        answer = ctx.idempotency.run(
            principal.user_id, key, fingerprint, lambda: action(correlation)
        )
    headers = {"Idempotent-Replayed": "true"} if answer.replayed else None
    return JSONResponse(answer.body, status_code=answer.status_code, headers=headers)


def recorded_with(
    ctx: ApiContext, case_id: UUID, correlation: str
) -> dict[str, Any] | None:
    """The event an earlier attempt of an idempotent request recorded, if any."""
    try:
        events = ctx.service.events(str(case_id))
    except CaseNotFound:
        return None
    for event in events:
        if event.correlation_id == correlation:
            return {"case_id": str(case_id), "version": event.version}
    return None


def _recorded_before(
    ctx: ApiContext,
    case_id: UUID,
    correlation: str,
    key: str | None,
    conflict: VersionConflict,
) -> dict[str, Any]:
    """After a conflict: the event an earlier attempt of this request recorded.

    Only an idempotent retry can find one (its correlation id comes from the
    key); anything else re-raises the conflict.
    """
    earlier = recorded_with(ctx, case_id, correlation) if key is not None else None
    if earlier is None:
        raise conflict
    return earlier


def _opening_endpoint(route: OpeningRoute) -> Callable[..., JSONResponse]:
    def endpoint(
        request: Request,
        body: m.OpeningBody,
        ctx: ApiContext,
        principal: Principal,
        correlation_id: str,
        key: str | None,
    ) -> JSONResponse:
        return open_case(
            ctx, request, principal, route.command, body, correlation_id, key
        )

    return _documented(endpoint, route.command, route.body)


def _endpoint(route: CommandRoute) -> Callable[..., JSONResponse]:
    def endpoint(
        request: Request,
        case_id: UUID,
        body: m.CommandBody,
        ctx: ApiContext,
        principal: Principal,
        correlation_id: str,
        key: str | None,
    ) -> JSONResponse:
        return run_command(
            ctx, request, principal, case_id, route.command, body, correlation_id, key
        )

    case_id = Annotated[UUID, Path(description="The case id")]
    return _documented(endpoint, route.command, route.body, case_id=case_id)


def _documented(
    endpoint: Callable[..., JSONResponse],
    command: str,
    body: type[m.Body],
    **path_parameters: Any,
) -> Callable[..., JSONResponse]:
    """``endpoint``, named for ``command``, with the signature FastAPI reads to
    validate and document it: the body's annotation must be this route's own
    model, so it is set here."""

    def param(name: str, annotation: Any) -> inspect.Parameter:
        return inspect.Parameter(
            name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation
        )

    endpoint.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            param("request", Request),
            *(param(name, kind) for name, kind in path_parameters.items()),
            param("body", Annotated[body, Body()]),
            param("ctx", Context),
            param("principal", Caller),
            param("correlation_id", CorrelationId),
            param("key", IdempotencyKey),
        ],
        return_annotation=JSONResponse,
    )
    endpoint.__name__ = command
    endpoint.__doc__ = body.__doc__
    return endpoint


for _opening in OPENING_ROUTES:
    router.add_api_route(
        f"/{_opening.path}" if _opening.path else "",
        _opening_endpoint(_opening),
        methods=["POST"],
        status_code=201,
        response_model=m.Recorded,
        responses=OPENING_ERRORS,
        summary=_opening.summary,
        operation_id=_opening.command,
    )
for _route in COMMAND_ROUTES:
    router.add_api_route(
        f"/{{case_id}}/{_route.path}",
        _endpoint(_route),
        methods=["POST"],
        response_model=m.Recorded,
        summary=_route.summary,
        operation_id=_route.command,
    )
