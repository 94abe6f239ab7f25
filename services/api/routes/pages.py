"""Server-rendered pages for phones: cases or alerts, a case timeline
with its SOP status, the auditors' history (the task lists and the SOP
dashboard: ``services.api.routes.work``).

The log-in is ``routes.login``, the accounts' pages ``routes.admin``.
The pages read through the same checks as the API, so every page showing a
case is recorded in the access log (views ``page:*``). The session cookie is
HttpOnly and SameSite=Strict, a form posted from another origin is refused,
and every form of a logged-in page carries its session's token
(``services.api.csrf``), so no other site can act with someone's session.
The forms that record the steps of a case are in ``routes.forms`` and
``routes.corrections``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, cast
from uuid import UUID

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from domain.clock import TIRANE
from domain.errors import DomainError
from domain.fields import EARLIEST, LATEST
from projections.timeline import timeline
from services.api.attachment_access import may_work_on, read_attachments
from services.api.auth import Context, CorrelationId, Viewer, page_viewer
from services.api.case_finder import found_cases
from services.api.context import ApiContext
from services.api.correction_view import (
    show_corrections,
    show_corrections_in_events,
)
from services.api.csrf import check_form, page_token
from services.api.erasure_flow import may_erase
from services.api.error_texts import word_error, word_page_error
from services.api.freshness import freshness_of_request
from services.api.i18n import Pages, translator, visitor_language
from services.api.models import AlertAcknowledgement
from services.api.next_page import MAX_NEXT, here, local_path
from services.api.policy import ALERT_ONLY_ROLES, may_administer, may_oversee
from services.api.routes.alerts import acknowledge, visible_alerts
from services.api.routes.audit import history_as_of
from services.api.routes.cases import open_case
from services.api.sop_view import (
    facts_of_rows,
    needing_attention,
    steps_with_obligations,
)
from services.api.step_offers import case_now, offered_steps, opening_regions
from services.api.step_views import done_sentence, steps_view
from services.api.text_view import show_texts
from services.api.wording import Wording
from services.app.errors import InvalidInput
from services.store.outages import DATABASE_ERRORS, is_database_outage

router = APIRouter(include_in_schema=False)

# Pages carry case data: never cached on a shared phone, never framed, and
# nothing but their own inline style runs (there is no script at all).
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    # Not "no-referrer": browsers then send "Origin: null" with the forms,
    # and the same-origin check below could not tell our forms from others.
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}


def render(
    request: Request,
    language: str,
    template: str,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A page in ``language``; its forms carry the session's token (``csrf``)."""
    pages = cast(Pages, request.app.state.pages)
    rulebook = cast(ApiContext, request.app.state.context).rulebook
    wording = Wording(translator(language), rulebook, language)
    freshness = freshness_of_request()
    behind = freshness.behind if freshness is not None else 0
    # Where the language switch returns to: this page, if it can be asked again.
    back = here(request) if request.method in ("GET", "HEAD") else "/"
    html = pages.render(
        language,
        template,
        {
            "w": wording,
            "read_models_behind": behind,
            "here": back,
            "csrf": page_token(request),
            **context,
        },
    )
    return HTMLResponse(html, status_code=status_code, headers=PAGE_HEADERS)


# What an error page says when nothing more precise is known, by status.
STATUS_KINDS = {
    403: "forbidden",
    404: "not_found",
    409: "not_offered",
    422: "bad_request",
    503: "unavailable",
}


def error_page(
    request: Request,
    status_code: int,
    message: str = "",
    *,
    recorded: bool = False,
    kind: str = "",
    error: DomainError | None = None,
) -> HTMLResponse:
    """An error as a page, in the viewer's language if they are logged in (else
    the one they chose or their browser asks for).

    A domain ``error`` is worded by its kind; otherwise the page says what
    ``kind`` (or the status) means. English readers also see ``message`` (or
    the error's), the API's own words; no English text, code or field name
    reaches an Albanian page.
    """
    try:
        viewer = page_viewer(request)
    except DATABASE_ERRORS as lookup:
        # The database is down: the page is worded for a visitor.
        if not is_database_outage(lookup):
            raise
        viewer = None
    language = viewer.language if viewer else visitor_language(request)
    rulebook = cast(ApiContext, request.app.state.context).rulebook
    w = Wording(translator(language), rulebook, language)
    if error is not None:
        summary = word_error(w, error)
        message = error.message
    else:
        summary = word_page_error(w, kind or STATUS_KINDS.get(status_code, ""))
    return render(
        request,
        language,
        "error.html",
        status_code,
        viewer=viewer,
        status=status_code,
        summary=summary,
        message=message if language == "en" and message != summary else "",
        recorded=recorded,
    )


@router.get("/", response_class=HTMLResponse, response_model=None)
def home(
    request: Request, ctx: Context, viewer: Viewer, correlation_id: CorrelationId
) -> Response:
    """Alerts for alerted authorities; for everyone else the cases one may
    read, found by reference or short id and filters, a page at a time.
    An administrator reads no case: their start page is the accounts."""
    if may_administer(viewer):
        return RedirectResponse("/admin/accounts", status_code=303)
    alerts: list[dict[str, Any]] = []
    found: dict[str, Any] = {}
    if viewer.alert_authority is not None:
        alerts = visible_alerts(ctx, viewer, correlation_id, view="page:alerts")
    if viewer.role not in ALERT_ONLY_ROLES:
        ctx.record(viewer, "page:cases", correlation_id)
        ctx.read_models.refresh()
        found = found_cases(ctx, viewer, request.query_params)
    return render(
        request,
        viewer.language,
        "home.html",
        viewer=viewer,
        alerts=alerts,
        oversight=may_oversee(viewer),
        may_identify=bool(opening_regions(viewer)),
        may_open_at_clinic=bool(opening_regions(viewer, "open_at_clinic")),
        may_see_clinic=viewer.role in ("lawyer", "psychologist", "coordinator"),
        **found,
    )


@router.get("/cases/{case_id}", response_class=HTMLResponse, response_model=None)
def timeline_page(
    case_id: UUID,
    request: Request,
    ctx: Context,
    viewer: Viewer,
    correlation_id: CorrelationId,
    done: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    """A case's timeline: each step with who, when and its SOP status beside it,
    and the steps the viewer may record now, each with the obligation it meets
    (``done``: the step just recorded through its form, to confirm it).

    The police and Child Protection Units see alerts, not timelines: a link
    to a case (as their alert e-mails carry) takes them to its alert.
    """
    if viewer.role in ALERT_ONLY_ROLES:
        return RedirectResponse(f"/alerts/{case_id}", status_code=303)
    case = open_case(ctx, viewer, case_id, "page:timeline", correlation_id)
    # The person's attributes come from the personal-data store, for the roles
    # that may see them (each read access-logged); the events carry none.
    person = ctx.service.person(
        str(case_id),
        actor_id=viewer.user_id,
        actor_role=viewer.role,
        correlation_id=correlation_id,
    )
    ctx.read_models.refresh()
    with ctx.pool.connection() as conn:
        rows = timeline(conn, case_id)
    w = Wording.of(viewer.language, ctx.rulebook)
    show_texts(ctx, viewer, case, rows, correlation_id, w.t.gettext)
    state = case_now(ctx, viewer, case_id, case, facts_of_rows(case_id, rows))
    steps = steps_with_obligations(rows, state.obligations)
    show_corrections(w, viewer.language, steps)
    offered = offered_steps(ctx, viewer, state)
    correctable = (
        {int(e["version"]) for e in state.offers["entries"]}
        if any(step.command == "correct_entry" for step in offered)
        else set()
    )
    return render(
        request,
        viewer.language,
        "timeline.html",
        viewer=viewer,
        case=case,
        person=person,
        steps=steps,
        attention=needing_attention(state.obligations),
        now=ctx.clock.now(),
        offered=steps_view(
            w,
            (s for s in offered if s.command != "correct_entry"),
            case_id=str(case_id),
            offers=state.offers,
        ),
        correctable=correctable,
        done=done_sentence(w, done),
        # Notes and documents: their content for those who work the case.
        attachments=read_attachments(ctx, viewer, case, "page:notes", correlation_id),
        may_add=may_work_on(viewer, case),
        may_erase=may_erase(viewer, case),
    )


@router.get("/cases/{case_id}/history", response_class=HTMLResponse)
def history_page(
    case_id: UUID,
    request: Request,
    ctx: Context,
    viewer: Viewer,
    correlation_id: CorrelationId,
    as_of: Annotated[str, Query(max_length=40)] = "",
) -> HTMLResponse:
    """The case as it stood at a chosen moment (Europe/Tirane), for auditors."""
    moment = _tirane_moment(as_of) if as_of else ctx.clock.now()
    w = Wording.of(viewer.language, ctx.rulebook)
    history = history_as_of(
        ctx, viewer, case_id, moment, correlation_id, "page:history", w.t.gettext
    )
    show_corrections_in_events(w, viewer.language, history["events"])
    return render(
        request,
        viewer.language,
        "history.html",
        viewer=viewer,
        history=history,
        as_of=moment,
        as_of_input=moment.astimezone(TIRANE).strftime("%Y-%m-%dT%H:%M"),
    )


@router.post("/alerts/{case_id}/acknowledge")
def acknowledge_page(
    case_id: UUID,
    request: Request,
    ctx: Context,
    viewer: Viewer,
    correlation_id: CorrelationId,
    key: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=MAX_NEXT)] = "",
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """The acknowledge button on an alert; the form's key makes a resend harmless.
    Afterwards the browser goes to ``next`` (a local path), else the start page."""
    check_form(request, csrf)
    acknowledge(
        ctx,
        request,
        viewer,
        case_id,
        AlertAcknowledgement(),
        correlation_id,
        key.strip() or None,
    )
    return RedirectResponse(local_path(next) or "/", status_code=303)


class BadMoment(InvalidInput):
    """A moment typed in a page that is not one."""

    kind = "moment"


def _tirane_moment(text: str) -> datetime:
    """A moment typed in a page: with an offset as given, without in Tirane time."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise BadMoment(
            f"as_of {text!r} is not a date and time (e.g. 2026-03-01T14:30)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=TIRANE)
    if not EARLIEST <= moment <= LATEST:
        raise BadMoment("as_of must be between 1990 and 2200")
    return moment
