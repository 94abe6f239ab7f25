"""Sending a step's form: safe to repeat, never over someone else's step.

A form carries the session's token (``services.api.csrf``), the case version
it was opened at and a key of its own. The key runs the step once (the API's
idempotency store, ``services.api.idempotency``), so a double tap lands on
the same confirmation. A form opened before someone else recorded a step is
shown again, as it was filled in, with what changed since, to be sent again
against the new version; a refused value is shown beside its field. A
recorded step leads to the timeline (Post/Redirect/Get) with a confirmation:
``/cases/{case_id}?done=<path>#v<version>``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from domain.commands import COMMANDS
from domain.errors import DomainError
from services.api.context import ApiContext
from services.api.csrf import check_form
from services.api.form_model import FieldSpec, Submitted, read_form, specs_of
from services.api.idempotency import Answer, correlation_id_for, request_fingerprint
from services.api.policy import Principal, may_record
from services.api.routes.commands import recorded_with
from services.api.step_offers import CaseNow, NotOffered, case_now
from services.api.step_page import step_page
from services.app.errors import InvalidInput, VersionConflict


def allowed_values(offer: Mapping[str, Any] | None) -> dict[str, list[str]]:
    """Field -> the values the case allows now, from its offer."""
    choices = offer["choices"] if offer else {}
    return {f: [str(o["value"]) for o in options] for f, options in choices.items()}


def redirect_to(result: Mapping[str, Any], done: str) -> RedirectResponse:
    """To the timeline of the case ``result`` names, at its new entry, with
    the confirmation of ``done`` (a step's path)."""
    return RedirectResponse(
        f"/cases/{result['case_id']}?done={done}#v{result['version']}", status_code=303
    )


def form_key(form: FormData) -> str:
    """The key the form was rendered with (a new one if it has none)."""
    key = str(form.get("key") or "").strip()
    return key[:200] if key else uuid.uuid4().hex


@dataclass
class Shape:
    """A step's form on the case as it is now: its fields, the values the case
    allows for those it chooses, and more for the page."""

    specs: Sequence[FieldSpec]
    allowed: Mapping[str, list[str]]
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Outcome:
    """Why a sent form was not recorded, to show it again."""

    status_code: int
    now: CaseNow
    shape: Shape
    submitted: Submitted
    changes: list[Any] = field(default_factory=list)


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
    key = form_key(form)
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
        return redirect_to(answer.body, command.declaration.path or "")
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
