"""A step's form page (``step_form.html``): its fields, the SOP obligations
the step meets, and what changed on the case since the form was opened.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from fastapi import Request
from fastapi.responses import HTMLResponse

from domain.command_declaration import Command
from domain.commands import COMMANDS
from domain.errors import DomainError
from services.api.context import ApiContext
from services.api.error_texts import word_error
from services.api.form_model import OCCURRED_AT, FieldSpec, local_minute, specs_of
from services.api.form_view import form_fields
from services.api.policy import Principal
from services.api.routes.pages import render
from services.api.step_offers import CaseNow, Meets, meets_of
from services.api.step_views import changes_view, meets_view
from services.api.wording import Wording
from services.app.plain import RecordedEvent


@dataclass
class StepPage:
    """One rendering of a step's form."""

    command: type[Command]
    action: str
    case: Mapping[str, Any] | None = None
    # The form's fields, when not the command's own (a correction's).
    specs: Sequence[FieldSpec] | None = None
    # The case version the form is sent against (None: it opens a case).
    version: int | None = None
    offered: Mapping[str, Any] | None = None
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, DomainError] = field(default_factory=dict)
    meets: Sequence[Meets] = ()
    changes: Sequence[RecordedEvent] = ()
    # The step is not possible any more (the case changed): no form to send.
    gone: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def render_step(
    request: Request,
    viewer: Principal,
    page: StepPage,
    *,
    now: datetime,
    status_code: int = 200,
) -> HTMLResponse:
    """The form page of ``page.command``, in the viewer's language."""
    w = Wording.of(
        viewer.language, cast(ApiContext, request.app.state.context).rulebook
    )
    name = page.command.declaration.name
    shown_now = local_minute(now)
    values = {OCCURRED_AT: shown_now, **page.values}
    offered = page.offered or {}
    choices = offered.get("choices", {})
    fields = form_fields(
        w,
        name,
        page.specs or specs_of(page.command),
        offered=choices,
        values=values,
        errors=page.errors,
    )
    on_form = {f.name for f in fields if f.widget != "hidden"}
    notices = [
        word_error(w, error) for key, error in page.errors.items() if key not in on_form
    ]
    case_id = str(page.case["case_id"]) if page.case else ""
    return render(
        request,
        viewer.language,
        "step_form.html",
        status_code,
        viewer=viewer,
        case=page.case,
        title=w.t.gettext(page.command.declaration.summary),
        action=page.action,
        fields=fields,
        version=page.version,
        key=uuid.uuid4().hex,
        occurred_shown=shown_now,
        now_input=shown_now,
        notices=notices,
        meets=meets_view(w, page.command, page.meets, case_id=case_id, choices=choices),
        changes=changes_view(w, page.changes),
        stale=bool(page.changes),
        gone=page.gone,
        **page.extra,
    )


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
