"""The person record's pages: ``/cases/{case_id}/person`` (what the viewer
may see of it, and, for auditors, what corrections replaced),
``/cases/{case_id}/person/edit`` (record or correct it) and
``/people/search`` (is this person already known? asked before opening a
case). Plain forms, no script; every read is in the access log, and a
viewer who does not work the case in its region chooses a reason first.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from domain.errors import DomainError
from domain.fields import LATEST, LINE_LENGTH
from domain.identification import EARLIEST_BIRTH_YEAR
from domain.person_record import PERSON_RECORD
from services.api.auth import Context, CorrelationId, Viewer
from services.api.context import ApiContext
from services.api.csrf import check_form
from services.api.form_model import FormData
from services.api.person_access import ALL_FIELDS, READ_REASONS, ReasonRequired
from services.api.person_form import (
    form_fields,
    read_record_form,
    shown_record,
    value_label,
)
from services.api.person_reads import (
    PersonView,
    may_search,
    read_person,
    search_people,
    write_person,
)
from services.api.person_texts import FIELDS
from services.api.policy import Principal
from services.api.routes.pages import render
from services.api.step_offers import opening_regions
from services.api.wording import Wording

router = APIRouter(include_in_schema=False)

Reason = Annotated[str, Query(max_length=40)]


def _reasons(w: Wording) -> list[dict[str, str]]:
    return [{"value": c, "label": w._(t)} for c, t in READ_REASONS.items()]


def _ask_reason(
    request: Request, viewer: Principal, case_id: UUID, action: str, given: str
) -> HTMLResponse:
    w = Wording.of(viewer.language, None)
    return render(
        request,
        viewer.language,
        "person_reason.html",
        422 if given else 200,
        viewer=viewer,
        case_id=str(case_id),
        action=action,
        reasons=_reasons(w),
        refused=bool(given),
    )


def _shown(w: Wording, fields: dict[str, Any]) -> list[dict[str, str]]:
    return [
        {"label": w._(FIELDS[name][0]), "value": value_label(w, name, value)}
        for name, value in fields.items()
        if value not in ("", None, [])
    ]


@router.get("/cases/{case_id}/person", response_class=HTMLResponse)
def person_page(
    case_id: UUID,
    request: Request,
    ctx: Context,
    viewer: Viewer,
    correlation_id: CorrelationId,
    reason: Reason = "",
    done: Annotated[str, Query(max_length=10)] = "",
) -> HTMLResponse:
    """What the viewer may see of the person a case is about."""
    try:
        view = read_person(ctx, viewer, case_id, "page:person", correlation_id, reason)
    except ReasonRequired:
        return _ask_reason(request, viewer, case_id, f"/cases/{case_id}/person", reason)
    return _person(request, viewer, view, reason, bool(done))


def _person(
    request: Request, viewer: Principal, view: PersonView, reason: str, done: bool
) -> HTMLResponse:
    w = Wording.of(viewer.language, None)
    return render(
        request,
        viewer.language,
        "person.html",
        viewer=viewer,
        case=view.case,
        view=view,
        shown=_shown(w, view.fields),
        history=[{**h, "shown": _shown(w, h["fields"])} for h in view.history],
        reason=reason if reason in READ_REASONS else "",
        done=done,
        partial=len(view.access.fields) < len(ALL_FIELDS),
    )


@router.get("/cases/{case_id}/person/edit", response_class=HTMLResponse)
def person_form(
    case_id: UUID,
    request: Request,
    ctx: Context,
    viewer: Viewer,
    correlation_id: CorrelationId,
    reason: Reason = "",
) -> HTMLResponse:
    """Record the person, or correct their record (it opens as it reads now)."""
    action = f"/cases/{case_id}/person/edit"
    try:
        view = read_person(
            ctx, viewer, case_id, "page:person_edit", correlation_id, reason
        )
    except ReasonRequired:
        return _ask_reason(request, viewer, case_id, action, reason)
    ctx.check(
        viewer,
        "page:person_edit",
        view.access.may_write,
        correlation_id=correlation_id,
        case_id=case_id,
    )
    values = (
        view.fields
        if view.status == "held"
        else _identified(ctx, viewer, view, correlation_id)
    )
    return _form(request, viewer, view.case, shown_record(values), {}, reason)


def _identified(
    ctx: ApiContext, viewer: Principal, view: PersonView, correlation_id: str
) -> dict[str, Any]:
    """A first record starts from what the identification took: the sex,
    birth year and nationality kept in the store (an access-logged read)."""
    if view.status != "none":
        return {}
    facts = ctx.service.person(
        str(view.case["case_id"]),
        actor_id=viewer.user_id,
        actor_role=viewer.role,
        correlation_id=correlation_id,
    )
    if facts.get("status") != "held":
        return {}
    return {
        name: facts[name]
        for name in ("sex", "birth_year", "nationality")
        if facts.get(name) not in (None, "")
    }


def _form(
    request: Request,
    viewer: Principal,
    case: dict[str, Any],
    values: dict[str, Any],
    errors: dict[str, DomainError],
    reason: str,
    status_code: int = 200,
) -> HTMLResponse:
    w = Wording.of(viewer.language, None)
    return render(
        request,
        viewer.language,
        "person_form.html",
        status_code,
        viewer=viewer,
        case=case,
        fields=form_fields(w, values, errors),
        reason=reason if reason in READ_REASONS else "",
    )


@router.post("/cases/{case_id}/person/edit")
async def record_person(
    case_id: UUID,
    request: Request,
    ctx: Context,
    viewer: Viewer,
    correlation_id: CorrelationId,
) -> Response:
    """Keep the record as sent, as a new version; then show it."""
    form = await request.form()
    return await run_in_threadpool(
        _record, case_id, request, ctx, viewer, correlation_id, form
    )


def _record(
    case_id: UUID,
    request: Request,
    ctx: ApiContext,
    viewer: Principal,
    correlation_id: str,
    form: FormData,
) -> Response:
    check_form(request, str(form.get("csrf") or ""))
    reason = str(form.get("reason") or "")[:40]
    raw, record, errors = read_record_form(form, now=ctx.clock.now())
    if record is None:
        case = ctx.service.case(str(case_id))
        return _form(request, viewer, case, raw, errors, reason, 422)
    try:
        write_person(
            ctx, viewer, case_id, record, "page:person_edit", correlation_id, reason
        )
    except ReasonRequired:
        return _ask_reason(
            request, viewer, case_id, f"/cases/{case_id}/person/edit", reason
        )
    back = f"/cases/{case_id}/person?done=1"
    if reason in READ_REASONS:
        back += f"&reason={reason}"
    return RedirectResponse(back, status_code=303)


@router.get("/people/search", response_class=HTMLResponse)
def search_form(
    request: Request, ctx: Context, viewer: Viewer, correlation_id: CorrelationId
) -> HTMLResponse:
    """Is this person already known? Asked before opening a new case."""
    ctx.check(
        viewer, "page:person_search", may_search(viewer), correlation_id=correlation_id
    )
    return _search_page(request, viewer, "", "", None)


@router.post("/people/search", response_class=HTMLResponse)
def search_page(
    request: Request,
    ctx: Context,
    viewer: Viewer,
    correlation_id: CorrelationId,
    csrf: Annotated[str, Form(max_length=200)] = "",
    name: Annotated[str, Form(max_length=LINE_LENGTH)] = "",
    birth_year: Annotated[str, Form(max_length=4)] = "",
) -> HTMLResponse:
    """Finds people by their folded names (and birth year) without reading
    anyone's record, and shows only the cases the viewer may read. Sent by
    POST, so the name typed stays out of addresses and the phone's history."""
    check_form(request, csrf)
    ctx.check(
        viewer, "page:person_search", may_search(viewer), correlation_id=correlation_id
    )
    year = _year(birth_year)
    found = (
        search_people(ctx, viewer, name, year, "page:person_search", correlation_id)
        if name.strip()
        else []
    )
    return _search_page(request, viewer, name, birth_year if year else "", found)


def _search_page(
    request: Request,
    viewer: Principal,
    name: str,
    birth_year: str,
    found: list[dict[str, Any]] | None,
) -> HTMLResponse:
    w = Wording.of(viewer.language, None)
    return render(
        request,
        viewer.language,
        "person_search.html",
        viewer=viewer,
        name=name,
        birth_year=birth_year,
        searched=found is not None,
        found=[
            {**hit, "region_label": w.region(hit["region"])}
            if not hit["known_elsewhere"]
            else hit
            for hit in found or []
        ],
        year_range=(EARLIEST_BIRTH_YEAR, LATEST.year),
        max_name=PERSON_RECORD["given_names"].max_length,
        may_identify=bool(opening_regions(viewer)),
    )


def _year(text: str) -> int | None:
    text = text.strip()
    if not text.isdigit():
        return None
    year = int(text)
    return year if EARLIEST_BIRTH_YEAR <= year <= LATEST.year else None
