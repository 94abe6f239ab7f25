"""Correcting an entry of a case, in three taps and without JavaScript.

``GET /cases/{case_id}/steps/correct`` lists the entries the viewer may
correct (the timeline links each one: ``?corrected_version=N``); with an
entry, the parts of it that can be corrected and what each holds now; with a
part (``&field_name=F``), the form: the old value, the new one in the
field's own widget and under its own rule, and the reason. ``POST`` records
the correction like any step (``routes.forms.record``): once per form,
against the version the form was opened at. The timeline then shows the old
and the new value.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from domain.commands import CorrectEntry, every_command
from domain.fields import ENTRY_FIELDS
from services.api.auth import Context, CorrelationId, Viewer
from services.api.context import ApiContext
from services.api.correction_view import (
    RECORDED_BY,
    field_label,
    value_shown,
)
from services.api.form_model import FieldSpec, specs_of, widget_of
from services.api.form_submit import Shape, record
from services.api.i18n import Formats
from services.api.policy import Principal, may_record
from services.api.routes.cases import open_case
from services.api.routes.pages import render
from services.api.step_offers import CaseNow, NotOffered, case_now
from services.api.step_page import step_page
from services.api.text_view import show_entry_texts
from services.api.wording import Wording

router = APIRouter(include_in_schema=False)

NAME = "correct_entry"
PATH = CorrectEntry.declaration.path


def value_spec(entry_type: str, field: str) -> FieldSpec:
    """The new value's field: that of the corrected field, with its widget
    and its rule (a time: a local date and time)."""
    if field == "occurred_at":
        return FieldSpec("value", None, "datetime", True, None)
    rule = ENTRY_FIELDS.get(entry_type, {}).get(field)
    command = every_command().get(RECORDED_BY.get(entry_type, ""))
    original = {s.name: s for s in specs_of(command)}.get(field) if command else None
    if original is None:
        return FieldSpec("value", rule, widget_of(field, str, rule, False), True, None)
    hint = bool if original.widget == "checkbox" else str
    return dataclasses.replace(
        original,
        name="value",
        widget=widget_of(field, int if original.number else hint, rule, False),
        from_case=False,
        default=None,
        codes_of=field,
    )


def correction_shape(entry: Mapping[str, Any] | None, field: str) -> Shape:
    """The correction form of ``field`` of ``entry`` (None: not correctable)."""
    own = {s.name: s for s in specs_of(CorrectEntry)}
    entry_type = str(entry["type"]) if entry else ""
    specs = [
        dataclasses.replace(own["corrected_version"], widget="hidden"),
        dataclasses.replace(own["field_name"], widget="hidden", from_case=True),
        value_spec(entry_type, field),
        own["reason"],
        own["occurred_at"],
    ]
    allowed = {
        "corrected_version": [str(entry["version"])] if entry else [],
        "field_name": [str(f) for f in entry["fields"]] if entry else [],
    }
    hidden = {
        "corrected_version": entry["version"] if entry else "",
        "field_name": field,
    }
    return Shape(specs, allowed, {"hidden_values": hidden})


def _entry(now: CaseNow, version: str) -> dict[str, Any] | None:
    return next(
        (e for e in now.offers["entries"] if str(e["version"]) == version), None
    )


def _line(w: Wording, now: CaseNow, entry: Mapping[str, Any]) -> str:
    fact = next((f for f in now.facts if f.version == entry["version"]), None)
    payload = {**(fact.attributes if fact else {}), **entry["fields"]}
    return w.line(str(entry["type"]), payload)


def _before(
    w: Wording, language: str, now: CaseNow, entry: Mapping[str, Any], field: str
) -> dict[str, str]:
    return {
        "entry": _line(w, now, entry),
        "label": field_label(w, str(entry["type"]), field),
        "old": value_shown(
            w, Formats(language), str(entry["type"]), field, entry["fields"][field]
        ),
    }


def _open(
    ctx: ApiContext, viewer: Principal, case_id: UUID, correlation_id: str
) -> CaseNow:
    case = open_case(ctx, viewer, case_id, f"page:step:{PATH}", correlation_id)
    ctx.check(
        viewer,
        f"command:{NAME}",
        may_record(viewer, NAME, str(case["region"])),
        correlation_id=correlation_id,
        case_id=case_id,
    )
    now = case_now(ctx, viewer, case_id, case)
    if NAME not in now.offers["offered"]:
        raise NotOffered
    gettext = Wording.of(viewer.language, ctx.rulebook).t.gettext
    show_entry_texts(ctx, viewer, case, now.offers["entries"], correlation_id, gettext)
    return now


@router.get(f"/cases/{{case_id}}/steps/{PATH}", response_class=HTMLResponse)
def correction_form(
    case_id: UUID,
    request: Request,
    ctx: Context,
    viewer: Viewer,
    correlation_id: CorrelationId,
    corrected_version: str = "",
    field_name: str = "",
) -> HTMLResponse:
    """Pick the entry, then the part of it, then correct it."""
    now = _open(ctx, viewer, case_id, correlation_id)
    w = Wording.of(viewer.language, ctx.rulebook)
    entry = _entry(now, corrected_version[:12])
    if entry is not None and field_name in entry["fields"]:
        shape = correction_shape(entry, field_name)
        return step_page(
            request,
            ctx,
            viewer,
            NAME,
            now,
            specs=shape.specs,
            values=shape.extra["hidden_values"],
            extra={"before": _before(w, viewer.language, now, entry, field_name)},
        )
    formats = Formats(viewer.language)
    parts = []
    if entry is not None:
        entry_type = str(entry["type"])
        parts = [
            {
                "name": name,
                "label": field_label(w, entry_type, name),
                "value": value_shown(w, formats, entry_type, name, value),
            }
            for name, value in entry["fields"].items()
        ]
    return render(
        request,
        viewer.language,
        "correction.html",
        viewer=viewer,
        case=now.case,
        entry=entry,
        entries=[
            {"version": e["version"], "line": _line(w, now, e)}
            for e in now.offers["entries"]
        ],
        parts=parts,
        line=_line(w, now, entry) if entry else "",
    )


@router.post(f"/cases/{{case_id}}/steps/{PATH}")
async def record_correction(
    case_id: UUID,
    request: Request,
    ctx: Context,
    viewer: Viewer,
    correlation_id: CorrelationId,
) -> Response:
    """Record the correction; a resent form records it once."""
    form = await request.form()
    return await run_in_threadpool(
        _record, request, ctx, viewer, correlation_id, case_id, form
    )


def _record(
    request: Request,
    ctx: ApiContext,
    viewer: Principal,
    correlation_id: str,
    case_id: UUID,
    form: FormData,
) -> Response:
    version = str(form.get("corrected_version") or "")[:12]
    field = str(form.get("field_name") or "")[:100]

    def shape(now: CaseNow) -> Shape:
        entry = _entry(now, version)
        found = correction_shape(entry, field)
        if entry is not None and field in entry["fields"]:
            w = Wording.of(viewer.language, ctx.rulebook)
            found.extra["before"] = _before(w, viewer.language, now, entry, field)
        return found

    return record(
        request, ctx, viewer, correlation_id, case_id, NAME, form, shape=shape
    )


__all__: Sequence[str] = ["router"]
