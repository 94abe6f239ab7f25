"""The FastAPI application: API routes by audience, the pages, and the errors.

Errors are answered in one shape, ``{"error": code, "message": text}``,
with the message written for the person who caused it:

- 401 no or unknown token; 403 outside one's rights (recorded in the access
  log); 404 no such case;
- 422 a field, code or time is wrong: the message names the field and the
  rule; also a domain error about input (unknown code, impossible time,
  impossible correction) and an idempotency key reused for another request;
- 409 the case changed since it was read (``version_conflict``), or a rule
  of the case work forbids the step now (the domain's own code and message).

A command records one event or nothing: the domain checks every rule before
the event is triggered, and the store saves it in one transaction.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from typing import Any

import structlog
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from domain.errors import (
    CorrectionError,
    DomainError,
    InconsistentFields,
    InvalidTime,
    InvalidValue,
    UnknownCode,
)
from services.api import answers as a
from services.api.auth import Caller, Context, LoginRequired
from services.api.context import ApiContext, Forbidden, Unauthenticated
from services.api.csrf import FormRefused
from services.api.edge import BodyLimit, SecurityHeaders, method_label
from services.api.freshness import ReadModelLagHeader
from services.api.i18n import Pages
from services.api.idempotency import KeyReused
from services.api.next_page import here, login_url
from services.api.outage_answers import outage_answer
from services.api.problems import field_error, problem
from services.api.routes import (
    ack,
    admin,
    alert_pages,
    alerts,
    attachments,
    audit,
    cases,
    clinic,
    clinic_intake,
    commands,
    corrections,
    docs,
    erasure,
    field,
    forms,
    identify,
    language,
    login,
    oversight,
    pages,
    person,
    person_api,
    single_sign_on,
    statistics,
    work,
)
from services.api.step_offers import NotOffered
from services.app.errors import (
    CaseNotFound,
    InvalidInput,
    PersonalDataUnavailable,
    ReadNotPermitted,
    ServiceError,
    SubjectErased,
    VersionConflict,
)
from services.config.settings import ApiSettings
from services.observability.metrics import create_all as create_backbone_metrics
from services.observability.server import readiness
from services.store.outages import DATABASE_ERRORS

log = structlog.get_logger("vatra.api")

REQUESTS = Counter(
    "vatra_http_requests_total", "HTTP requests answered", ["method", "route", "status"]
)
LATENCY = Histogram(
    "vatra_http_request_seconds", "Time to answer an HTTP request", ["route"]
)
# Domain errors about what was typed, not about the state of the case.
INPUT_ERRORS = (UnknownCode, InvalidTime, CorrectionError, InvalidValue)
# An opaque id only: free text could carry a name or a phone number into every
# log line, access-log row, event and Kafka header of the request. So a
# client's id is kept only if it is a UUID (with or without its hyphens, as
# the backbone makes them): hexadecimal digits in a fixed shape carry no name
# ("Engjellushe-Cela" fits a looser rule) and no phone number with its
# country code and spacing. Anything else is replaced by an id of our own.
CORRELATION_ID = re.compile(
    r"^(?:[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$"
)


def create_app(context: ApiContext, settings: ApiSettings | None = None) -> FastAPI:
    """The application over ``context``; nothing connects at import time."""
    settings = settings or ApiSettings()
    create_backbone_metrics()  # /metrics lists the backbone's metrics from the start
    app = FastAPI(
        # /docs is served from this server (routes.docs), never from a CDN.
        docs_url=None,
        redoc_url=None,
        title="Vatra Backbone",
        version="1",
        summary="Case referral and notification backbone for anti-trafficking work.",
        description=(
            "Commands record one event each on a case, at the version the caller "
            "read; queries read the case, its timeline and SOP obligations. Every "
            "read of a case is recorded in the access log. Authenticate with "
            "`Authorization: Bearer <token>` (`vatra token create`)."
        ),
    )
    app.state.context = context
    app.state.pages = Pages()
    app.state.document_max_bytes = settings.document_max_bytes
    # The forms before the pages: /cases/new is not a case id.
    for router in (
        commands.router,
        cases.router,
        alerts.router,
        oversight.router,
        audit.router,
        identify.router,
        clinic_intake.router,
        clinic.router,
        person_api.router,
        attachments.api,
        attachments.pages,
        erasure.api,
        erasure.pages,
        person.router,
        corrections.router,
        forms.router,
        pages.router,
        login.router,
        single_sign_on.router,
        admin.router,
        alert_pages.router,
        language.router,
        work.router,
        ack.router,
        field.router,
        statistics.router,
    ):
        app.include_router(router)
    if settings.docs:
        app.include_router(docs.router)
    app.add_api_route("/api/me", me, methods=["GET"], response_model=a.Me, tags=["me"])
    if settings.metrics:
        app.add_api_route("/metrics", metrics, methods=["GET"], include_in_schema=False)
    app.add_api_route("/health/live", live, methods=["GET"], include_in_schema=False)
    app.add_api_route("/health/ready", ready, methods=["GET"], include_in_schema=False)
    # The last added runs first: count and log every answer (413s included),
    # then refuse a body too large before anything reads it.
    app.add_middleware(ReadModelLagHeader)
    app.add_middleware(
        BodyLimit,
        max_bytes=settings.max_body_bytes,
        upload_bytes=settings.document_max_bytes,
    )
    app.add_middleware(SecurityHeaders, docs=settings.docs)
    app.add_middleware(Observe)
    _install_error_handlers(app)
    return app


def me(principal: Caller) -> dict[str, Any]:
    """Who the token belongs to: user, role, regions and language."""
    return {
        "user_id": principal.user_id,
        "role": principal.role,
        "regions": sorted(principal.regions),
        "language": principal.language,
    }


def metrics() -> Response:
    """Prometheus metrics of this process (no personal data)."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def live() -> dict[str, str]:
    """200 while the process answers at all."""
    return {"status": "alive"}


def ready(ctx: Context) -> JSONResponse:
    """200 when PostgreSQL (and Kafka in the full mode) answer, else 503."""
    ok, results = readiness(ctx.health_checks)
    body = {"status": "ready" if ok else "not ready", "checks": results}
    return JSONResponse(body, status_code=200 if ok else 503)


class Observe:
    """Give each request a correlation id, then log and count its answer.

    The log line names the route template, never the query string, and no
    field of a body: nothing personal reaches the log. Plain ASGI rather than
    ``BaseHTTPMiddleware``, which would add a task and a stream per request.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = Headers(scope=scope).get("x-correlation-id", "")
        correlation_id = given if CORRELATION_ID.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["correlation_id"] = correlation_id
        status = 500

        async def answer(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["X-Correlation-Id"] = correlation_id
            await send(message)

        structlog.contextvars.bind_contextvars(correlation_id=correlation_id)
        started = time.monotonic()
        try:
            await self.app(scope, receive, answer)
        finally:
            structlog.contextvars.unbind_contextvars("correlation_id")
            route = getattr(scope.get("route"), "path", "unmatched")
            elapsed = time.monotonic() - started
            method = method_label(scope["method"])
            REQUESTS.labels(method, route, str(status)).inc()
            LATENCY.labels(route).observe(elapsed)
            log.info(
                "http_request",
                method=method,
                route=route,
                status=status,
                seconds=round(elapsed, 4),
                correlation_id=correlation_id,
            )


def _is_page(request: Request) -> bool:
    return not request.url.path.startswith("/api/")


def _install_error_handlers(app: FastAPI) -> None:
    def handles(
        *kinds: type[Exception],
    ) -> Callable[[Callable[[Request, Any], Response]], None]:
        def register(handler: Callable[[Request, Any], Response]) -> None:
            async def handle(request: Request, error: Exception) -> Response:
                return handler(request, error)

            for kind in kinds:
                app.add_exception_handler(kind, handle)

        return register

    handles(*DATABASE_ERRORS)(outage_answer)

    @handles(RequestValidationError)
    def _invalid(request: Request, error: RequestValidationError) -> Response:
        found = [field_error(e) for e in error.errors()]
        message = "; ".join(
            f"{e['field']}: {e['message']} (rule: {e['rule']})" for e in found
        )
        if _is_page(request):
            return pages.error_page(request, 422, message, kind="bad_request")
        return problem(422, "invalid_input", message, errors=found)

    @handles(DomainError)
    def _domain(request: Request, error: DomainError) -> Response:
        status = 422 if isinstance(error, INPUT_ERRORS) else 409
        if _is_page(request):
            return pages.error_page(request, status, error=error)
        if isinstance(error, InconsistentFields):
            # Fields that contradict each other: each is named, the first the
            # one to change.
            named = [
                {"field": field, "rule": error.code, "message": error.message}
                for field in error.fields
            ]
            return problem(status, error.code, error.message, errors=named)
        return problem(status, error.code, error.message)

    @handles(ServiceError)
    def _service(request: Request, error: ServiceError) -> Response:
        if isinstance(error, VersionConflict) and _is_page(request):
            return pages.error_page(
                request, 409, error.message, kind="version_conflict"
            )
        if isinstance(error, VersionConflict):
            return problem(
                409,
                "version_conflict",
                error.message,
                expected=error.expected,
                actual=error.actual,
            )
        status, code = {
            CaseNotFound: (404, "not_found"),
            InvalidInput: (422, "invalid_input"),
            KeyReused: (422, "idempotency_key_reused"),
            # The personal-data store cannot work (no key): the operator's to
            # fix, not the caller's; the message names the setting.
            PersonalDataUnavailable: (503, "personal_data_unavailable"),
            SubjectErased: (409, "subject_erased"),
            ReadNotPermitted: (403, "forbidden"),
        }.get(type(error), (422, "invalid_input"))
        if _is_page(request):
            kind = {
                CaseNotFound: "not_found",
                KeyReused: "key_reused",
            }.get(type(error), getattr(error, "kind", ""))
            return pages.error_page(request, status, error.message, kind=kind)
        return problem(status, code, error.message)

    @handles(Unauthenticated)
    def _unauthenticated(request: Request, error: Unauthenticated) -> Response:
        return problem(
            401,
            "unauthenticated",
            error.message,
            headers={"WWW-Authenticate": "Bearer"},
        )

    @handles(LoginRequired)
    def _login(request: Request, _error: LoginRequired) -> Response:
        # The log-in form returns to the page that was asked for (a link in
        # an alert, say); a form sent without a session starts over.
        back = here(request) if request.method in ("GET", "HEAD") else None
        return RedirectResponse(login_url(back), status_code=303)

    @handles(Forbidden)
    def _forbidden(request: Request, error: Forbidden) -> Response:
        if _is_page(request):
            kind = "form_expired" if isinstance(error, FormRefused) else "forbidden"
            return pages.error_page(request, 403, kind=kind, recorded=error.recorded)
        return problem(403, "forbidden", error.message)

    @handles(NotOffered)
    def _not_offered(request: Request, _error: NotOffered) -> Response:
        return pages.error_page(request, 409, kind="not_offered")

    @handles(HTTPException)
    def _http(request: Request, error: HTTPException) -> Response:
        if _is_page(request) and error.status_code == 404:
            return pages.error_page(request, 404, kind="not_found")
        if error.status_code == 405:
            return problem(405, "method_not_allowed", str(error.detail))
        code = "not_found" if error.status_code == 404 else "http_error"
        return problem(
            error.status_code, code, str(error.detail), headers=error.headers
        )
