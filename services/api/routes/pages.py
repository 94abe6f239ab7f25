"""Server-rendered pages for phones: log-in, cases or alerts, a case timeline
with its SOP status, the auditors' history (the task lists and the SOP
dashboard: ``services.api.routes.work``).

The pages read through the same checks as the API, so every page showing a
case is recorded in the access log (views ``page:*``). The session cookie is
HttpOnly and SameSite=Strict, and a form posted from another origin is
refused, so no other site can act with someone's session.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, cast
from uuid import UUID

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from domain.clock import TIRANE
from domain.fields import EARLIEST, LATEST
from projections.timeline import timeline
from services.api.auth import (
    SESSION_COOKIE,
    Context,
    CorrelationId,
    Viewer,
    get_context,
)
from services.api.case_finder import found_cases
from services.api.context import Forbidden
from services.api.freshness import freshness_of_request
from services.api.i18n import Pages, pick_language, translator
from services.api.models import AlertAcknowledgement
from services.api.policy import may_oversee
from services.api.routes.alerts import acknowledge, visible_alerts
from services.api.routes.audit import history_as_of
from services.api.routes.cases import open_case
from services.api.sop_view import (
    facts_of_rows,
    judge,
    needing_attention,
    steps_with_obligations,
)
from services.api.wording import Wording
from services.app.errors import InvalidInput

router = APIRouter(include_in_schema=False)

SESSION_SECONDS = 12 * 3600
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
    pages = cast(Pages, request.app.state.pages)
    wording = Wording(translator(language))
    freshness = freshness_of_request()
    behind = freshness.behind if freshness is not None else 0
    html = pages.render(
        language, template, {"w": wording, "read_models_behind": behind, **context}
    )
    return HTMLResponse(html, status_code=status_code, headers=PAGE_HEADERS)


def error_page(
    request: Request, status_code: int, message: str, *, recorded: bool = False
) -> HTMLResponse:
    """An error as a page, in the viewer's language if they are logged in."""
    token = request.cookies.get(SESSION_COOKIE, "")
    viewer = get_context(request).users.authenticate(token) if token else None
    language = (
        viewer.language
        if viewer
        else pick_language(request.headers.get("accept-language", ""))
    )
    return render(
        request,
        language,
        "error.html",
        status_code,
        viewer=viewer,
        status=status_code,
        message=message,
        recorded=recorded,
    )


def _same_origin(request: Request) -> None:
    origin = request.headers.get("origin")
    own = f"{request.url.scheme}://{request.url.netloc}"
    if origin is not None and origin != own:
        raise Forbidden("this form may only be sent from this site", recorded=False)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> HTMLResponse:
    """The log-in form: paste the token you were given."""
    language = pick_language(request.headers.get("accept-language", ""))
    return render(request, language, "login.html", viewer=None, failed=False)


@router.post("/login")
def login(
    request: Request, ctx: Context, token: Annotated[str, Form(max_length=200)] = ""
) -> Response:
    """Check the token and keep it in an HttpOnly, SameSite=Strict cookie."""
    _same_origin(request)
    principal = ctx.users.authenticate(token.strip())
    if principal is None:
        language = pick_language(request.headers.get("accept-language", ""))
        return render(request, language, "login.html", 401, viewer=None, failed=True)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token.strip(),
        max_age=SESSION_SECONDS,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    """Forget the session cookie."""
    _same_origin(request)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return response


@router.get("/", response_class=HTMLResponse)
def home(
    request: Request, ctx: Context, viewer: Viewer, correlation_id: CorrelationId
) -> HTMLResponse:
    """Alerts for alerted authorities; for everyone else the cases one may
    read, found by reference or short id and filters, a page at a time."""
    alerts: list[dict[str, Any]] = []
    found: dict[str, Any] = {}
    if viewer.alert_authority is not None:
        alerts = visible_alerts(ctx, viewer, correlation_id, view="page:alerts")
    if viewer.role not in ("police", "child_protection_unit"):
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
        **found,
    )


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def timeline_page(
    case_id: UUID,
    request: Request,
    ctx: Context,
    viewer: Viewer,
    correlation_id: CorrelationId,
) -> HTMLResponse:
    """A case's timeline: each step with who, when and its SOP status beside it."""
    case = open_case(ctx, viewer, case_id, "page:timeline", correlation_id)
    ctx.read_models.refresh()
    with ctx.pool.connection() as conn:
        rows = timeline(conn, case_id)
    now = ctx.clock.now()
    obligations = judge(facts_of_rows(case_id, rows), ctx.rulebook, ctx.calendar, now)
    return render(
        request,
        viewer.language,
        "timeline.html",
        viewer=viewer,
        case=case,
        steps=steps_with_obligations(rows, obligations),
        attention=needing_attention(obligations),
        now=now,
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
    history = history_as_of(
        ctx, viewer, case_id, moment, correlation_id, "page:history"
    )
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
) -> Response:
    """The acknowledge button on an alert; the form's key makes a resend harmless."""
    _same_origin(request)
    acknowledge(
        ctx,
        request,
        viewer,
        case_id,
        AlertAcknowledgement(),
        correlation_id,
        key.strip() or None,
    )
    return RedirectResponse("/", status_code=303)


def _tirane_moment(text: str) -> datetime:
    """A moment typed in a page: with an offset as given, without in Tirane time."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"as_of {text!r} is not a date and time (e.g. 2026-03-01T14:30)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=TIRANE)
    if not EARLIEST <= moment <= LATEST:
        raise InvalidInput("as_of must be between 1990 and 2200")
    return moment
