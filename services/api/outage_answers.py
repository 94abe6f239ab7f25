"""What a request gets when PostgreSQL cannot answer it.

A database that is down, restarting, read-only or out of disk is nobody's
input error: the request is answered 503 with ``Retry-After``. A refused write
is refused whole, and a command or form sent again with its key is recorded
once, so trying again is safe. A page says so in its reader's language, and
the browser's back button returns to the form as it was typed. Any other
database error is a fault of this software and stays a 500.
"""

from __future__ import annotations

import psycopg
import structlog
from fastapi import Request, Response
from fastapi.responses import JSONResponse

from services.api.routes.pages import error_page
from services.store.outages import is_database_outage

log = structlog.get_logger("vatra.api")

RETRY_AFTER = "5"  # seconds: a restart or a fail-over, not a long repair
MESSAGE = "The database is unavailable: try again in a moment."


def outage_answer(request: Request, error: Exception) -> Response:
    """503 for an outage of the database; any other error is raised again."""
    if not is_database_outage(error):
        raise error
    # The error's type and SQLSTATE only: PostgreSQL's message may quote a value.
    cause: BaseException | None = error
    for _ in range(8):  # a chain of causes, never a cycle
        if cause is None or isinstance(cause, psycopg.Error):
            break
        cause = cause.__cause__ or cause.__context__
    state = cause.sqlstate if isinstance(cause, psycopg.Error) else None
    log.warning(
        "database_unavailable",
        route=getattr(request.scope.get("route"), "path", "unmatched"),
        error=type(error).__name__,
        sqlstate=state,
    )
    headers = {"Retry-After": RETRY_AFTER}
    if request.url.path.startswith("/api/"):
        body = {"error": "unavailable", "message": MESSAGE}
        return JSONResponse(body, status_code=503, headers=headers)
    page = error_page(request, 503, MESSAGE, kind="unavailable")
    page.headers.update(headers)
    return page
