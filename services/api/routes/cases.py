"""Reading cases: caseworkers of the case's region, coordinators, the
Responsible Authority and auditors. Every read is recorded in the access log.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response
from psycopg import Connection

from projections.obligations import case_obligations
from projections.timeline import timeline_json
from services.api import answers as a
from services.api import queries
from services.api.auth import Caller, Context, CorrelationId
from services.api.context import ApiContext
from services.api.policy import (
    ALL_REGION_READERS,
    Principal,
    may_list_cases,
    may_read_case,
)
from services.api.routes.commands import ERRORS

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


@router.get("", response_model=list[a.CaseListItem])
def list_cases(
    ctx: Context,
    principal: Caller,
    correlation_id: CorrelationId,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[dict[str, Any]]:
    """The cases you may read, the most recently changed first."""
    ctx.read(
        principal, "cases", may_list_cases(principal), correlation_id=correlation_id
    )
    ctx.read_models.refresh()
    regions = None if principal.role in ALL_REGION_READERS else principal.regions
    with ctx.pool.connection() as conn:
        return queries.cases(conn, regions, limit)


@router.get("/{case_id}", response_model=a.CaseState)
def read_case(
    case_id: UUID, ctx: Context, principal: Caller, correlation_id: CorrelationId
) -> dict[str, Any]:
    """A case as it stands now."""
    return open_case(ctx, principal, case_id, "case", correlation_id)


@router.get("/{case_id}/timeline", response_model=list[a.TimelineEntry])
def read_timeline(
    case_id: UUID, ctx: Context, principal: Caller, correlation_id: CorrelationId
) -> Response:
    """What happened on a case, who recorded it and when, oldest first."""
    ctx.read_models.refresh()
    with ctx.pool.connection() as conn:
        open_case(ctx, principal, case_id, "timeline", correlation_id, conn)
        # Joined by PostgreSQL from entries written with the read model.
        return Response(timeline_json(conn, case_id), media_type="application/json")


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
