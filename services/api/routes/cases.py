"""Reading cases: caseworkers of the case's region, coordinators, the
Responsible Authority and auditors. Every read is recorded in the access log.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response
from psycopg import Connection

from projections.obligations import case_obligations
from services.api import answers as a
from services.api.auth import (
    Caller,
    Context,
    CorrelationId,
    Credentials,
    api_principal,
)
from services.api.bounds import bounded
from services.api.case_finder import TEXT_LENGTH, Finding, State, find
from services.api.context import ApiContext
from services.api.policy import Principal, may_list_cases, may_read_case
from services.api.routes.commands import ERRORS
from services.api.timeline_read import kept_timeline, logged_timeline
from services.api.work_view import case_ref

router = APIRouter(prefix="/api/cases", tags=["caseworkers"], responses=ERRORS)


def open_case(
    ctx: ApiContext,
    principal: Principal,
    case_id: UUID,
    view: str,
    correlation_id: str,
    conn: Connection[Any] | None = None,
) -> dict[str, Any]:
    """The case's state, once the right to ``view`` it is checked and logged
    (on ``conn``, if given, to commit with what is read there)."""
    case = ctx.service.case(str(case_id))
    ctx.read(
        principal,
        view,
        may_read_case(principal, str(case["region"])),
        correlation_id=correlation_id,
        case_id=case_id,
        conn=conn,
    )
    return case


TOTAL_HEADER = "X-Total-Count"
Region = Annotated[str, bounded("Identified", "region")]


@router.get(
    "",
    response_model=list[a.CaseListItem],
    responses={
        200: {
            "headers": {
                TOTAL_HEADER: {
                    "description": "How many cases the search finds in all.",
                    "schema": {"type": "integer"},
                }
            }
        }
    },
)
def list_cases(
    ctx: Context,
    principal: Caller,
    correlation_id: CorrelationId,
    response: Response,
    q: Annotated[
        str,
        Query(
            max_length=TEXT_LENGTH,
            pattern=r"^[^\x00-\x1f\x7f]*$",  # no NUL or other control character
            description="The start of a subject reference (any case), or the "
            "short id alerts use (VT-3F2A9C1B, with or without VT-, or its "
            "first digits), or a whole case id.",
        ),
    ] = "",
    region: Annotated[Region | None, Query(description="One of your regions.")] = None,
    state: Annotated[
        State | None, Query(description="Only open, or only closed, cases.")
    ] = None,
    minor: Annotated[
        bool | None, Query(description="Only minors (true) or adults (false).")
    ] = None,
    overdue: Annotated[
        bool,
        Query(description="Only cases with an SOP obligation past its deadline."),
    ] = False,
    mine: Annotated[bool, Query(description="Only the cases assigned to you.")] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> list[dict[str, Any]]:
    """The cases you may read that the search finds, the most recent work
    first; the total is in the ``X-Total-Count`` header."""
    ctx.read(
        principal, "cases", may_list_cases(principal), correlation_id=correlation_id
    )
    ctx.read_models.refresh()
    finding = Finding(q, region, state, minor, overdue, mine)
    page = find(ctx, principal, finding, limit=limit, offset=offset)
    response.headers[TOTAL_HEADER] = str(page.total)
    return [_listed(row) for row in page.rows]


def _listed(row: dict[str, Any]) -> dict[str, Any]:
    """A row of the case list as the API answers it."""
    next_due = (
        {"rule_id": row["next_rule_id"], "due_at": row["next_due_at"]}
        if row["next_rule_id"] is not None
        else None
    )
    return {
        **row,
        "short_id": case_ref(row["short_id"]),
        "last_recorded_at": row["last_activity_at"],
        "next_due": next_due,
    }


@router.get("/{case_id}", response_model=a.CaseState)
def read_case(
    case_id: UUID, ctx: Context, principal: Caller, correlation_id: CorrelationId
) -> dict[str, Any]:
    """A case as it stands now."""
    return open_case(ctx, principal, case_id, "case", correlation_id)


@router.get("/{case_id}/timeline", response_model=list[a.TimelineEntry])
def read_timeline(
    case_id: UUID,
    request: Request,
    credentials: Credentials,
    ctx: Context,
    correlation_id: CorrelationId,
) -> Response:
    """What happened on a case, who recorded it and when, oldest first."""
    # A caller whose token this process found live lately is read for at
    # once, the statement checking the token again; anyone else
    # authenticates first, in this route's worker thread (``Credentials``).
    # The read is recorded with it (``services.api.timeline_read``).
    recent = None if credentials is None else ctx.users.recent(credentials.credentials)
    if recent is not None:
        ctx.read_models.refresh()
        principal, token = recent
        answer = kept_timeline(ctx, principal, case_id, correlation_id, token)
        if answer is not None:
            return Response(answer, media_type="application/json")
    principal = api_principal(request, credentials)
    ctx.read_models.refresh()
    answer = logged_timeline(ctx, principal, case_id, correlation_id)
    return Response(answer, media_type="application/json")


@router.get("/{case_id}/obligations", response_model=list[a.Obligation])
def read_obligations(
    case_id: UUID, ctx: Context, principal: Caller, correlation_id: CorrelationId
) -> list[dict[str, Any]]:
    """A case's SOP obligations and where each stands now."""
    open_case(ctx, principal, case_id, "obligations", correlation_id)
    ctx.read_models.refresh()
    with ctx.pool.connection() as conn:
        rows = case_obligations(conn, case_id, ctx.clock.now())
    for row in rows:
        delay = row.get("recording_delay")
        row["recording_delay_seconds"] = delay.total_seconds() if delay else None
    return rows
